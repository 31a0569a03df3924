import StrataCore

/// One image of a model's input as the CAM methods that perturb it see it: float32 values of shape
/// `[1, C, H, W]` (`.nchw`) or `[1, H, W, C]` (`.nhwc`), masked position by position.
public struct ModelInputImage: Sendable, Equatable {
    public let shape: [Int]
    public let layout: ActivationLayout
    public let values: [Float]

    /// Throws `invalidInput` unless `shape` is `[1, ·, ·, ·]` with positive sizes that `values` fills.
    public init(values: [Float], shape: [Int], layout: ActivationLayout) throws {
        guard shape.count == 4, shape[0] == 1, shape.allSatisfy({ $0 > 0 }) else {
            throw StrataError(.invalidInput, "a perturbed input must be one image [1, C, H, W] or [1, H, W, C], got shape \(shape)")
        }
        let (count, overflow) = shape.reduce((1, false)) { r, d in
            let (p, o) = r.0.multipliedReportingOverflow(by: d)
            return (p, r.1 || o)
        }
        guard !overflow, count == values.count else {
            throw StrataError(.invalidInput, "\(values.count) input values do not fill shape \(shape)")
        }
        self.shape = shape
        self.layout = layout
        self.values = values
    }

    public var height: Int { layout == .nchw ? shape[2] : shape[1] }
    public var width: Int { layout == .nchw ? shape[3] : shape[2] }
    public var channels: Int { layout == .nchw ? shape[1] : shape[3] }

    /// The input multiplied position by position by `mask` (`height × width`, the same for every
    /// channel): pytorch-grad-cam's `input_tensor * mask`, in float32.
    public func masked(by mask: ActivationMap) -> [Float] {
        precondition(mask.height == height && mask.width == width, "ModelInputImage: mask size differs from the input's")
        var out = values
        let plane = height * width
        if layout == .nchw {
            for c in 0 ..< channels {
                for p in 0 ..< plane { out[c * plane + p] *= mask.values[p] }
            }
        } else {
            for p in 0 ..< plane {
                for c in 0 ..< channels { out[p * channels + c] *= mask.values[p] }
            }
        }
        return out
    }
}
