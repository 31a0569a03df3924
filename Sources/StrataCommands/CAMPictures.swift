import StrataAnalysis
import StrataCore
import StrataEngine
import StrataRender

/// What `strata cam` and `strata report` share to turn one image's gradient run into class
/// activation maps and their overlays: the layer's channel planes, the image an overlay is drawn
/// on, the overlay itself, and the target's scores on masked copies of the input (Score-CAM).
enum CAMPictures {
    /// The layer's values of image `b` as channel planes: rank 4 by `layout`, rank 3 as tokens
    /// (on `grid`, else a square grid).
    static func planes(_ tensor: Tensor, _ b: Int, layout: ActivationLayout, grid: (height: Int, width: Int)?) throws -> ChannelPlanes {
        if tensor.rank == 3 { return try ChannelPlanes(tokens: tensor, image: b, grid: grid) }
        return try ChannelPlanes(tensor, layout: layout, image: b)
    }

    /// The float RGB image in 0…1 the overlay is drawn on, or nil (with a note) when there is none
    /// of the input's size: `image` as fed, or (for `.npy` input) the input tensor min–max scaled.
    static func overlayBase(image: RasterImage?, input: ModelInputImage, notes: inout [String]) -> [Float]? {
        if let image {
            guard image.width == input.width, image.height == input.height else {
                notes.append("no overlay: the image is \(image.width)×\(image.height), the model input \(input.width)×\(input.height)")
                return nil
            }
            return CAMOverlay.unitImage(image)
        }
        guard input.channels == 1 || input.channels == 3 else {
            notes.append("no overlay: the input has \(input.channels) channels, not 1 or 3")
            return nil
        }
        let low = input.values.min() ?? 0, high = input.values.max() ?? 0
        let range = high - low
        let plane = input.height * input.width
        var out = [Float](repeating: 0, count: plane * 3)
        for p in 0 ..< plane {
            for k in 0 ..< 3 {
                let c = input.channels == 1 ? 0 : k
                let v = input.layout == .nchw ? input.values[c * plane + p] : input.values[p * input.channels + c]
                out[3 * p + k] = range > 0 ? (v - low) / range : 0
            }
        }
        return out
    }

    /// The heat map blended over `base` (OpenCV's jet, weight 0.5), as PNG bytes.
    static func overlayPNG(heatmap: ActivationMap, base: [Float], input: ModelInputImage) throws -> [UInt8] {
        let mask = try FloatMap(height: heatmap.height, width: heatmap.width, values: heatmap.values)
        let blended = try CAMOverlay.blend(image: base, width: input.width, height: input.height, mask: mask)
        return try ImagePicture(image: blended).render(format: .png)
    }

    /// The score of element `targetIndex` of `output` on `count` inputs laid one after the other in
    /// `values` (each of `x`'s shape without its batch), fed to the model's one input `inputName`.
    static func scores(
        _ values: [Float], count: Int, like x: Tensor, inputName: String, targetIndex: Int, output: String,
        probability: Bool, engine: Engine
    ) throws -> [Float] {
        var shape = x.shape
        shape[0] = count
        let tensor = try InputBatches.converted(Tensor(values, shape: shape), to: x.dtype)
        let request = GradientRequest(target: .index(targetIndex), output: output, differentiateProbability: probability, withRespectTo: [])
        return try engine.gradients(inputs: [inputName: tensor], request: request).scores
    }
}
