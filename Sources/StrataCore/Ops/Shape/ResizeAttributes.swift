/// The attributes of `Resize` (opset 10 on) and `Upsample` (opsets 7–9), parsed for the node's op
/// and opset: `mode` ("nearest" (default), "linear", and for Resize "cubic"); from Resize-11 on
/// `coordinate_transformation_mode` (default "half_pixel"), `nearest_mode` (default
/// "round_prefer_floor"), `cubic_coeff_a` (-0.75), `exclude_outside` (0) and `extrapolation_value`
/// (0); from Resize-18 on `antialias` (0, linear and cubic modes only), `axes` and
/// `keep_aspect_ratio_policy` (default "stretch"; checked against the input by `ResizeGeometry`);
/// Upsample-7's `scales`. Upsample and Resize-10 sample with asymmetric coordinates and their own
/// nearest rounding (`NearestMode.simple`).
public struct ResizeAttributes: OpAttributes {
    public enum Mode: String, Sendable, Equatable { case nearest, linear, cubic }

    public enum Coordinates: String, Sendable, Equatable {
        case halfPixel = "half_pixel"
        case halfPixelSymmetric = "half_pixel_symmetric"
        case pytorchHalfPixel = "pytorch_half_pixel"
        case alignCorners = "align_corners"
        case asymmetric
        case tfHalfPixelForNN = "tf_half_pixel_for_nn"
        case tfCropAndResize = "tf_crop_and_resize"
    }

    public enum NearestMode: String, Sendable, Equatable {
        case roundPreferFloor = "round_prefer_floor"
        case roundPreferCeil = "round_prefer_ceil"
        case floor, ceil
        /// Upsample and Resize-10: truncate when enlarging, round up when shrinking.
        case simple
    }

    public static let names = ["mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
                               "extrapolation_value", "antialias", "axes", "keep_aspect_ratio_policy", "scales"]

    public var mode: Mode = .nearest
    public var coordinates: Coordinates = .halfPixel
    public var nearestMode: NearestMode = .roundPreferFloor
    public var cubicA: Float = -0.75
    public var excludeOutside = false
    public var extrapolationValue: Float = 0
    public var antialias = false
    public var axes: [Int]? = nil
    public var keepAspectRatioPolicy = "stretch"
    /// Upsample-7's `scales` attribute (later opsets take scales as an input).
    public var scales: [Float]? = nil
    /// The opset whose attribute set the node follows: 11 for Resize-11 to 17, 18 for Resize-18 on, 0 otherwise.
    private var attributeSet = 0

    public init(node: Node) throws {
        let modeName = try node.string("mode", default: "nearest")
        guard let m = Mode(rawValue: modeName), node.opType == "Resize" || m != .cubic else {
            throw node.attributeError("mode", "unknown mode '\(modeName)'")
        }
        mode = m
        if node.opType == "Upsample" && node.opset < 9 {
            guard let given = try node.floats("scales") else { throw node.missing("scales") }
            scales = given
        }
        guard node.opType == "Resize" && node.opset >= 11 else {
            coordinates = .asymmetric
            nearestMode = .simple
            return
        }
        attributeSet = node.opset >= 18 ? 18 : 11
        let coordinateName = try node.string("coordinate_transformation_mode", default: "half_pixel")
        guard let c = Coordinates(rawValue: coordinateName) else {
            throw node.attributeError("coordinate_transformation_mode", "unknown mode '\(coordinateName)'")
        }
        coordinates = c
        let nearestName = try node.string("nearest_mode", default: "round_prefer_floor")
        guard let n = NearestMode(rawValue: nearestName), n != .simple else {
            throw node.attributeError("nearest_mode", "unknown mode '\(nearestName)'")
        }
        nearestMode = n
        cubicA = try node.float("cubic_coeff_a", default: -0.75)
        excludeOutside = try node.flag("exclude_outside", default: false)
        extrapolationValue = try node.float("extrapolation_value", default: 0)
        if node.opset >= 18 {
            antialias = try node.flag("antialias", default: false)
            axes = try node.ints("axes")
            keepAspectRatioPolicy = try node.string("keep_aspect_ratio_policy", default: "stretch")
        }
        if antialias && mode == .nearest {
            throw node.attributeError("antialias", "antialiasing applies to linear and cubic modes only")
        }
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["mode": .string(mode.rawValue)]
        if let scales { v["scales"] = .floats(scales) }
        guard attributeSet >= 11 else { return v }
        v["coordinate_transformation_mode"] = .string(coordinates.rawValue)
        v["nearest_mode"] = .string(nearestMode.rawValue)
        v["cubic_coeff_a"] = .float(cubicA)
        v["exclude_outside"] = .flag(excludeOutside)
        v["extrapolation_value"] = .float(extrapolationValue)
        guard attributeSet >= 18 else { return v }
        v["antialias"] = .flag(antialias)
        v["keep_aspect_ratio_policy"] = .string(keepAspectRatioPolicy)
        if let axes { v["axes"] = .ints(axes) }
        return v
    }
}
