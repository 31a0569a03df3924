/// The attributes of `RoiAlign`: the output grid (`output_height` × `output_width`, each in
/// 1...65536, default 1), `sampling_ratio` (0...4096, 0: adaptive), a finite `spatial_scale`
/// (default 1), `mode` "avg" (default) or "max", and `coordinate_transformation_mode`
/// "half_pixel" (opset 16's default) or "output_half_pixel" (opset 10's only behaviour).
public struct RoiAlignAttributes: OpAttributes {
    public static let names = ["coordinate_transformation_mode", "mode", "output_height", "output_width",
                               "sampling_ratio", "spatial_scale"]

    /// Coordinates shift by -0.5 ("half_pixel"); otherwise each region is at least one pixel.
    public var halfPixel: Bool
    /// Each bin is the maximum of its samples ("max"), not their average.
    public var maxMode: Bool
    public var outputHeight: Int
    public var outputWidth: Int
    public var samplingRatio: Int
    public var spatialScale: Float

    public init(node: Node) throws {
        let transform = try node.string("coordinate_transformation_mode",
                                        default: node.opset >= 16 ? "half_pixel" : "output_half_pixel")
        guard transform == "half_pixel" || transform == "output_half_pixel" else {
            throw node.attributeError("coordinate_transformation_mode", "must be half_pixel or output_half_pixel, found '\(transform)'")
        }
        halfPixel = transform == "half_pixel"
        let mode = try node.string("mode", default: "avg")
        guard mode == "avg" || mode == "max" else { throw node.attributeError("mode", "must be avg or max, found '\(mode)'") }
        maxMode = mode == "max"
        outputHeight = try node.int("output_height", default: 1)
        outputWidth = try node.int("output_width", default: 1)
        samplingRatio = try node.int("sampling_ratio", default: 0)
        spatialScale = try node.float("spatial_scale", default: 1)
        guard (1...65536).contains(outputHeight), (1...65536).contains(outputWidth) else {
            throw node.attributeError("output_height", "output size \(outputHeight)×\(outputWidth) must lie in 1...65536")
        }
        guard (0...4096).contains(samplingRatio) else {
            throw node.attributeError("sampling_ratio", "must lie in 0...4096, found \(samplingRatio)")
        }
        guard spatialScale.isFinite else { throw node.attributeError("spatial_scale", "must be finite, found \(spatialScale)") }
    }

    public var values: [String: Attribute] {
        ["coordinate_transformation_mode": .string(halfPixel ? "half_pixel" : "output_half_pixel"),
         "mode": .string(maxMode ? "max" : "avg"), "output_height": .int(outputHeight), "output_width": .int(outputWidth),
         "sampling_ratio": .int(samplingRatio), "spatial_scale": .float(spatialScale)]
    }
}
