import StrataCore

/// How a lowering rearranges a stored weight into the layout its ONNX op wants (Keras kernel
/// `[k…, in, out]` → ONNX `[out, in, k…]`): the values' rearrangement, and the shape it gives, so that
/// a weight imported for its shape only is never read or rewritten.
struct KerasWeightTransform {
    /// The result's shape for a stored weight of shape `shape`.
    let shape: ([Int]) -> [Int]
    /// The rearranged values; the result has shape `shape(tensor.shape)`.
    let apply: (Tensor) throws -> Tensor
}

extension KerasWeightTransform {
    /// The same values in `shape` (element order unchanged).
    static func reshape(to shape: [Int]) -> KerasWeightTransform {
        KerasWeightTransform(shape: { _ in shape }, apply: { $0.reshaped(shape) })
    }

    /// Each slice along `axis` repeated `repeats` times in place (`Tensor.repeatingSlices`).
    static func repeatingSlices(axis: Int, _ repeats: Int) -> KerasWeightTransform {
        KerasWeightTransform(
            shape: { s in
                guard repeats > 1 else { return s }
                var out = s
                // An overflowing size becomes one that no tensor may have (refused when made).
                out[axis] = CheckedArithmetic.product(s[axis], repeats) ?? Int.max
                return out
            },
            apply: { try $0.repeatingSlices(axis: axis, repeats) })
    }
}
