import ArgumentParser
import Foundation
import StrataImage

/// The options that say how images become an input tensor (`--preprocess` and the steps that
/// override it), parsed into a `Preprocessing` value. Shared by every command that takes images.
public struct PreprocessingOptions: ParsableArguments {
    @Option(name: .customLong("preprocess"), help: ArgumentHelp(
        "A preset: keras-caffe, keras-tf, keras-torch, raw, unit or torchvision (default: raw). See Docs/Images.md.",
        valueName: "preset"))
    public var preset: String?

    @Option(help: ArgumentHelp("Height and width to feed when the model's are not fixed, e.g. 224x224.", valueName: "HxW"))
    public var size: String?

    @Option(help: ArgumentHelp(
        "How to resize: stretch (to the input size), shorter:N, longer:N, keep-aspect (centred crop to the input's aspect, then stretch), none.",
        valueName: "mode"))
    public var resize: String?

    @Option(help: ArgumentHelp("Centre crop after resizing, as torchvision's CenterCrop: center:HxW.", valueName: "center:HxW"))
    public var crop: String?

    @Option(help: ArgumentHelp("Subtracted after scaling: one value or one per channel, comma-separated.", valueName: "values"))
    public var mean: String?

    @Option(help: ArgumentHelp("Divided by after the mean: one value or one per channel, comma-separated.", valueName: "values"))
    public var std: String?

    @Option(help: ArgumentHelp("First step on the 0-255 values: a factor (0.5), or 1/D to divide by D exactly as x/D.", valueName: "factor"))
    public var scale: String?

    @Flag(help: "Feed channels in BGR order (mean and std are then in BGR order too).")
    public var bgr = false

    @Flag(name: [.customLong("grey"), .customLong("gray")], help: "Turn colour images grey (replicated to 3 channels for an RGB input).")
    public var grey = false

    @Option(help: ArgumentHelp("Resampling filter: nearest, bilinear, bicubic, area (= box), lanczos, hamming.", valueName: "filter"))
    public var interpolation: String?

    public init() {}

    public func validate() throws {
        _ = try preprocessing()
    }

    /// The options as a `Preprocessing` value; malformed or absurd values are validation errors.
    public func preprocessing() throws -> Preprocessing {
        var result = Preprocessing()
        if let preset {
            guard let value = Preprocessing.Preset(rawValue: preset.lowercased()) else {
                throw ValidationError("--preprocess '\(preset)' is not a preset; use one of \(Preprocessing.Preset.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            result.preset = value
        }
        if let size { result.size = try Self.size(size, option: "--size") }
        if let resize { result.resize = try Self.resize(resize) }
        if let crop {
            let lowered = crop.lowercased()
            let prefix = ["center:", "centre:"].first { lowered.hasPrefix($0) }
            guard let prefix else { throw ValidationError("--crop '\(crop)' must be center:HxW") }
            result.crop = try Self.size(String(lowered.dropFirst(prefix.count)), option: "--crop")
        }
        if let mean { result.mean = try Self.values(mean, option: "--mean") }
        if let std {
            result.std = try Self.values(std, option: "--std")
            if result.std?.contains(0) == true { throw ValidationError("--std '\(std)': values must not be 0 (they divide)") }
        }
        if let scale { result.scale = try Self.scale(scale) }
        result.bgr = bgr
        result.grey = grey
        if let interpolation {
            guard let filter = ResampleFilter(name: interpolation) else {
                throw ValidationError("--interpolation '\(interpolation)' is not a filter; use nearest, bilinear, bicubic, area, box, lanczos or hamming")
            }
            result.interpolation = filter
        }
        return result
    }

    /// `HxW` with both sides in 1...65535.
    static func size(_ text: String, option: String) throws -> Preprocessing.Size {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]) else {
            throw ValidationError("\(option) '\(text)' must be HxW, e.g. 224x224")
        }
        guard (1 ... ImageLimits.maxSide).contains(h), (1 ... ImageLimits.maxSide).contains(w) else {
            throw ValidationError("\(option) \(text): height and width must be 1...\(ImageLimits.maxSide) pixels")
        }
        return Preprocessing.Size(height: h, width: w)
    }

    static func resize(_ text: String) throws -> Preprocessing.Resize {
        let lowered = text.lowercased()
        switch lowered {
        case "stretch": return .stretch
        case "keep-aspect": return .keepAspect
        case "none": return Preprocessing.Resize.none
        default: break
        }
        for (prefix, make) in [("shorter:", Preprocessing.Resize.shorter), ("longer:", Preprocessing.Resize.longer)] where lowered.hasPrefix(prefix) {
            guard let n = Int(lowered.dropFirst(prefix.count)), (1 ... ImageLimits.maxSide).contains(n) else {
                throw ValidationError("--resize \(text): the side must be 1...\(ImageLimits.maxSide) pixels")
            }
            return make(n)
        }
        throw ValidationError("--resize '\(text)' must be stretch, shorter:N, longer:N, keep-aspect or none")
    }

    /// One to four finite numbers, comma-separated.
    static func values(_ text: String, option: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Double($0) }
        guard !parts.isEmpty, parts.count <= 4, values.count == parts.count, values.allSatisfy(\.isFinite) else {
            throw ValidationError("\(option) '\(text)' must be 1 to 4 comma-separated numbers, e.g. 0.485,0.456,0.406")
        }
        return values
    }

    static func scale(_ text: String) throws -> Preprocessing.Scale {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let scale: Preprocessing.Scale
        if trimmed.hasPrefix("1/"), let divisor = Double(trimmed.dropFirst(2)) {
            scale = .divide(divisor)
        } else if let factor = Double(trimmed) {
            scale = .multiply(factor)
        } else {
            throw ValidationError("--scale '\(text)' must be a number or 1/D, e.g. 1/255")
        }
        switch scale {
        case .divide(let v), .multiply(let v):
            guard v.isFinite, v != 0 else { throw ValidationError("--scale \(text) must be finite and non-zero") }
        }
        return scale
    }
}
