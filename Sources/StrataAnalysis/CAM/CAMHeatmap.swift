/// `heatmap.npy`: what pytorch-grad-cam 1.5.7's `BaseCAM.__call__` returns for one image and one
/// target layer, from the map after the ReLU.
///
/// `scale_cam_image(cam, (width, height))`: `x − min`, divided by `1e-7 + max`, resized by
/// `CVLinearResize`; then `aggregate_multi_layers`: the ReLU, the mean over the one layer (itself),
/// and `scale_cam_image` again without resizing. All in float32.
public enum CAMHeatmap {
    /// The heat map at `height × width` (the model input's spatial size).
    public static func heatmap(_ cam: ActivationMap, height: Int, width: Int) -> ActivationMap {
        let scaled = CVLinearResize.resize(minMaxScaled(cam), height: height, width: width)
        return minMaxScaled(ActivationMap(height: height, width: width, values: scaled.values.map { max($0, 0) }))
    }

    /// pytorch-grad-cam's per-image `img − min(img)`, then `/ (1e-7 + max)`.
    public static func minMaxScaled(_ map: ActivationMap) -> ActivationMap {
        guard let low = map.values.min() else { return map }
        let shifted = map.values.map { $0 - low }
        let high = shifted.max() ?? 0
        let denominator = Float(1e-7) + high
        return ActivationMap(depth: map.depth, height: map.height, width: map.width, values: shifted.map { $0 / denominator })
    }
}
