import StrataCore

/// Cutting a tensor into its slices along one axis, and stacking equal slices back along a new
/// axis: how `Scan` feeds its body and how `Loop` and `Scan` gather per-iteration outputs.
enum AxisStacking {
    /// Slice `index` of `x` along `axis`, with that axis removed.
    static func slice(_ x: Tensor, axis: Int, index: Int) throws -> Tensor {
        let outer = x.shape[..<axis].reduce(1, *)
        let inner = x.shape[(axis + 1)...].reduce(1, *) * x.dtype.byteSize
        var shape = x.shape
        let length = shape.remove(at: axis)
        let out = try Tensor(dtype: x.dtype, shape: shape)
        let source = x.rawPointer, target = out.rawPointer
        for o in 0..<outer {
            (target + o * inner).copyMemory(from: source + (o * length + index) * inner, byteCount: inner)
        }
        return out
    }

    /// `parts` (one dtype and shape, at least one) stacked along a new axis `axis` of the result
    /// (0 ... rank of a part), in the given order or reversed.
    static func stack(_ parts: [Tensor], axis: Int, reversed: Bool = false) throws -> Tensor {
        let first = parts[0]
        var shape = first.shape
        shape.insert(parts.count, at: axis)
        let out = try Tensor(dtype: first.dtype, shape: shape)
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[axis...].reduce(1, *) * first.dtype.byteSize
        let target = out.rawPointer
        for (t, part) in parts.enumerated() {
            let position = reversed ? parts.count - 1 - t : t
            for o in 0..<outer {
                (target + (o * parts.count + position) * inner).copyMemory(from: part.rawPointer + o * inner, byteCount: inner)
            }
        }
        return out
    }

    /// The problem with stacking `value` after `previous` (dtype or shape changed between
    /// iterations), for an error message; nil when they stack.
    static func mismatch(_ value: Tensor, _ previous: Tensor) -> String? {
        value.dtype == previous.dtype && value.shape == previous.shape ? nil
            : "it is \(previous.type) in one iteration and \(value.type) in another"
    }
}
