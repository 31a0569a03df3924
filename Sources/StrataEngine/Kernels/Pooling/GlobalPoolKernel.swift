import StrataCore

/// ONNX `GlobalAveragePool` and `GlobalMaxPool`: the mean or maximum of each [N, C] plane over all
/// spatial axes, keeping them as size-1 axes.
struct GlobalPoolKernel: Kernel {
    let node: Node
    let isMax: Bool

    init(_ ctx: KernelBuildContext, max: Bool) {
        node = ctx.node
        isMax = max
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw node.error("needs input X") }
        guard x.rank >= 2 else { throw node.error("X \(x.shape) must be [N, C, spatial…]", kind: .invalidInput) }
        let outShape = Array(x.shape.prefix(2)) + Array(repeating: 1, count: x.rank - 2)
        if isMax, x.shape.dropFirst(2).contains(0) {
            throw node.error("the maximum over an empty spatial extent \(Array(x.shape.dropFirst(2))) does not exist", kind: .invalidInput)
        }
        switch x.dtype {
        case .float32: return [try reduce(Float.self, x, outShape, context)]
        case .float64: return [try reduce(Double.self, x, outShape, context)]
        case .float16, .bfloat16:
            return try runWidened(inputs, from: x.dtype, context: context) { try run($0, context: context) }
        default:
            throw node.error("dtype \(x.dtype.rawValue) is not supported", kind: .unsupported)
        }
    }

    private func reduce<T: BinaryFloatingPoint & Sendable>(_: T.Type, _ x: Tensor, _ shape: [Int], _ context: ExecutionContext) throws -> Tensor {
        let y = try Tensor(dtype: x.dtype, shape: shape)
        let planes = x.shape[0] * x.shape[1]
        let size = x.count / Swift.max(planes, 1)
        let job = GlobalPoolJob(x: UnsafePointer(x.pointer(as: T.self)), y: y.pointer(as: T.self), size: size, isMax: isMax)
        context.parallelFor(planes, minChunk: Swift.max(1, 16384 / Swift.max(size, 1))) { range in
            for plane in range { job.run(plane) }
        }
        return y
    }
}

private struct GlobalPoolJob<T: BinaryFloatingPoint>: @unchecked Sendable {
    let x: UnsafePointer<T>
    let y: UnsafeMutablePointer<T>
    let size: Int
    let isMax: Bool

    func run(_ plane: Int) {
        let src = x + plane * size
        if isMax {
            var best = -T.infinity
            for i in 0..<size where src[i] > best || src[i].isNaN { best = src[i] }
            y[plane] = size > 0 ? best : .nan
        } else if T.self == Float.self {
            y[plane] = T(VectorLoops.total(UnsafeRawPointer(src).assumingMemoryBound(to: Float.self), count: size)) / T(size)
        } else {
            // Four partial sums keep the dependency chain short, so the loop vectorises.
            var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0
            var i = 0
            while i + 4 <= size {
                s0 += src[i]; s1 += src[i + 1]; s2 += src[i + 2]; s3 += src[i + 3]
                i += 4
            }
            while i < size { s0 += src[i]; i += 1 }
            y[plane] = ((s0 + s1) + (s2 + s3)) / T(size)
        }
    }
}
