import StrataCore

extension Preprocessing {
    /// The steps for images fed to `input`, or an error saying which option does not fit it.
    ///
    /// The target size is `size`, else the input's declared height and width, else the crop's
    /// size; the images must come out at exactly that size, so a resize that keeps the aspect
    /// ratio (`shorter`, `longer`) needs a crop, and `size` or a crop must agree with a declared size.
    public func plan(for input: ImageInputSpec) throws -> PreprocessingPlan {
        let location = ErrorLocation(detail: "input '\(input.name)'")
        func refuse(_ message: String) -> StrataError { StrataError(.invalidInput, message, at: location) }
        let channels = input.channels

        // Target size.
        var height = input.height, width = input.width
        if let size {
            guard (1 ... ImageLimits.maxSide).contains(size.height), (1 ... ImageLimits.maxSide).contains(size.width) else {
                throw refuse("--size \(size) is outside 1...\(ImageLimits.maxSide) pixels a side")
            }
            if let h = height, let w = width, (h, w) != (size.height, size.width) {
                throw refuse("--size \(size) does not match the input's \(h)x\(w) (\(input.type))")
            }
            height = size.height
            width = size.width
        }
        if let crop {
            guard (1 ... ImageLimits.maxSide).contains(crop.height), (1 ... ImageLimits.maxSide).contains(crop.width) else {
                throw refuse("--crop \(crop) is outside 1...\(ImageLimits.maxSide) pixels a side")
            }
            if let h = height, let w = width, (h, w) != (crop.height, crop.width) {
                throw refuse("--crop center:\(crop) gives \(crop) images but the input takes \(h)x\(w) (\(input.type))")
            }
            height = height ?? crop.height
            width = width ?? crop.width
        }
        guard let height, let width else {
            throw refuse("\(input.type) has no fixed height and width; give --size HxW")
        }
        let target = Size(height: height, width: width)

        // Geometry: the preset's, overridden by explicit options.
        let isTorchvision = preset == .torchvision
        let resize = self.resize ?? (isTorchvision ? .shorter(Int((Double(min(height, width)) * 256 / 224).rounded())) : .stretch)
        switch resize {
        case .shorter(let n), .longer(let n):
            guard (1 ... ImageLimits.maxSide).contains(n) else {
                throw refuse("resize to \(n) pixels is outside 1...\(ImageLimits.maxSide)")
            }
        default:
            break
        }
        let crop = self.crop != nil || isTorchvision
        if !crop, case .shorter = resize { throw refuse("resizing the shorter side keeps each image's aspect ratio; add --crop center:\(target) to get the \(target) the input takes") }
        if !crop, case .longer = resize { throw refuse("resizing the longer side keeps each image's aspect ratio; add --crop center:\(target) to get the \(target) the input takes") }
        let filter = interpolation ?? (isTorchvision ? .bilinear : .nearest)

        // Arithmetic: the preset's, overridden by explicit options.
        var presetScale: Scale?, presetMean: [Double]?, presetStd: [Double]?
        switch preset {
        case .kerasCaffe?: presetMean = Self.caffeMean
        case .kerasTF?: presetScale = .divide(127.5); presetMean = [1]
        case .kerasTorch?, .torchvision?: presetScale = .divide(255); presetMean = Self.imageNetMean; presetStd = Self.imageNetStd
        case .unit?: presetScale = .divide(255)
        case .raw?, nil: break
        }
        let bgr = bgr || preset == .kerasCaffe
        if bgr && channels != 3 { throw refuse("BGR order needs a 3-channel input; this one has \(channels) (\(input.type))") }
        let scale = self.scale ?? presetScale
        switch scale {
        case .multiply(let v)?, .divide(let v)?:
            guard v.isFinite && v != 0 else { throw refuse("--scale must be a finite non-zero number") }
        case nil:
            break
        }
        func perChannel(_ values: [Double]?, explicit: Bool, name: String) throws -> [Float] {
            guard let values else { return [] }
            guard values.allSatisfy(\.isFinite) else { throw refuse("--\(name) values must be finite") }
            if name == "std" && values.contains(0) { throw refuse("--std values must not be 0") }
            if values.count == channels { return values.map { Float($0) } }
            if values.count == 1 { return Array(repeating: Float(values[0]), count: channels) }
            let source = explicit ? "--\(name) gives" : "preset \(preset?.rawValue ?? "") has"
            throw refuse("\(source) \(values.count) \(name) values but the input has \(channels) channel\(channels == 1 ? "" : "s") (\(input.type)); give --\(name) with \(channels == 1 ? "1 value" : "1 or \(channels) values")")
        }
        let mean = try perChannel(self.mean ?? presetMean, explicit: self.mean != nil, name: "mean")
        let std = try perChannel(self.std ?? presetStd, explicit: self.std != nil, name: "std")

        let summary = Self.summary(
            preset: preset, target: target, resize: resize, filter: filter, crop: crop, channels: channels, grey: grey, bgr: bgr,
            scale: scale, mean: self.mean ?? presetMean, std: self.std ?? presetStd, input: input)
        return PreprocessingPlan(
            input: input, size: target, resize: resize, filter: filter, crop: crop, grey: grey, bgr: bgr, scale: scale,
            mean: mean, std: std, summary: summary)
    }

    /// `torchvision: shorter side to 256 (bilinear), centre crop 224x224, RGB, x/255, minus mean
    /// [0.485, 0.456, 0.406], divided by std [0.229, 0.224, 0.225], NCHW float32`.
    static func summary(
        preset: Preset?, target: Size, resize: Resize, filter: ResampleFilter, crop: Bool, channels: Int, grey: Bool, bgr: Bool,
        scale: Scale?, mean: [Double]?, std: [Double]?, input: ImageInputSpec
    ) -> String {
        var steps: [String] = []
        switch resize {
        case .stretch: steps.append("resize to \(target) (\(filter.rawValue))")
        case .shorter(let n): steps.append("shorter side to \(n) (\(filter.rawValue))")
        case .longer(let n): steps.append("longer side to \(n) (\(filter.rawValue))")
        case .keepAspect: steps.append("centred \(target.height):\(target.width) box resized to \(target) (\(filter.rawValue))")
        case .none: steps.append("no resize")
        }
        if crop { steps.append("centre crop \(target)") }
        steps.append(channels == 1 ? "grey" : grey ? "grey as RGB" : bgr ? "BGR" : "RGB")
        switch scale {
        case .multiply(let v)?: steps.append("x*\(number(v))")
        case .divide(let v)?: steps.append("x/\(number(v))")
        case nil: break
        }
        func number(_ v: Double) -> String {
            v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
        }
        func list(_ values: [Double]) -> String {
            values.count == 1 ? number(values[0]) : "[" + values.map(number).joined(separator: ", ") + "]"
        }
        if let mean { steps.append("minus mean \(list(mean))") }
        if let std { steps.append("divided by std \(list(std))") }
        if scale == nil && mean == nil && std == nil { steps.append("values 0-255") }
        steps.append("\(input.layout.rawValue) \(input.dtype.rawValue)")
        return (preset?.rawValue ?? "no preset") + ": " + steps.joined(separator: ", ")
    }
}
