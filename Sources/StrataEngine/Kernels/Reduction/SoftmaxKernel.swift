import CStrataKernels
import Foundation
import StrataCore

/// `Softmax` and `LogSoftmax`. Before opset 13 the input is flattened to 2-D at `axis`
/// (default 1) and each row is normalised; from 13 on, the normalisation runs along the single
/// axis `axis` (default -1).
///
/// A float16 or bfloat16 Softmax rounds each step to its type as the reference's numpy does (x − max,
/// exp, the sum by `NarrowRounding.sum`, the quotient). LogSoftmax computes in float32 and rounds once:
/// the reference takes the log of the rounded softmax, which is −∞ in float16 below 6e-8.
struct SoftmaxKernel: Kernel {
    let node: Node
    let axis: Int
    let logarithmic: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        logarithmic = node.opType == "LogSoftmax"
        axis = try node.typed(SoftmaxAttributes.self).axis
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw node.error("input is missing") }
        let a = try AxisRules.normalize(axis, rank: x.rank, node: node)
        let split = node.opset >= 13 ? AxisSplit(x.shape, axis: a) : AxisSplit(x.shape, axes: a..<x.rank)
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: false) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "floating point")
        }
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: computeType, shape: x.shape)
        if !logarithmic, let rounding = NarrowRounding(x.dtype) {
            Self.normalize(staged, split: split, into: y, rounding: rounding, context: context)
        } else if computeType == .float64 {
            Self.normalize(Double.self, staged, split: split, into: y, log: logarithmic, context: context)
        } else {
            Self.normalize(Float.self, staged, split: split, into: y, log: logarithmic, context: context)
        }
        return [try NumericStaging.convert(y, to: x.dtype)]
    }

    /// Softmax of every `(o, :, i)` line of the float32 `x` into `y`, each step rounded by `r`.
    static func normalize(_ x: Tensor, split: AxisSplit, into y: Tensor, rounding r: NarrowRounding, context: ExecutionContext) {
        let (outer, n, inner) = (split.outer, split.axis, split.inner)
        guard split.count > 0 else { return }
        context.parallelFor(outer * inner, minChunk: Swift.max(1, 8192 / Swift.max(n, 1))) { range in
            let xp = x.pointer(as: Float.self), yp = y.pointer(as: Float.self)
            let line = UnsafeMutablePointer<Float>.allocate(capacity: n)
            defer { line.deallocate() }
            for task in range {
                let start = (task / inner) * n * inner + task % inner
                var top = -Float.infinity
                for k in 0..<n {
                    line[k] = xp[start + k * inner]
                    if line[k] > top || line[k].isNaN && !top.isNaN { top = line[k] }
                }
                for k in 0..<n { line[k] = r(Foundation.exp(r(line[k] - top))) }
                let sum = r.sum(line, count: n)
                for k in 0..<n { yp[start + k * inner] = r(line[k] / sum) }
            }
        }
    }

    /// Softmax (or log-softmax) of every `(o, :, i)` line of `x` into `y`.
    static func normalize<T: ReduceFloat>(
        _ type: T.Type, _ x: Tensor, split: AxisSplit, into y: Tensor, log: Bool, context: ExecutionContext
    ) {
        let (outer, n, inner) = (split.outer, split.axis, split.inner)
        guard split.count > 0 else { return }
        if inner == 1, !log, T.self == Float.self {
            // The same steps in C (`strata_softmax_rows`), with the same values as the loop below.
            context.parallelFor(outer, minChunk: Swift.max(1, 8192 / Swift.max(n, 1))) { range in
                let xp = x.pointer(as: Float.self), yp = y.pointer(as: Float.self)
                strata_softmax_rows(xp + range.lowerBound * n, yp + range.lowerBound * n, range.count, n)
            }
            return
        }
        if inner == 1 {
            context.parallelFor(outer, minChunk: Swift.max(1, 8192 / Swift.max(n, 1))) { range in
                let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
                for o in range {
                    let src = xp + o * n, dst = yp + o * n
                    let m = T.maximum(src, count: n)
                    for r in 0..<n { dst[r] = src[r] - m }
                    T.exponentiate(dst, count: n)
                    let sum = T.total(dst, count: n)
                    if log {
                        let shift = m + sum.logarithm
                        for r in 0..<n { dst[r] = src[r] - shift }
                    } else {
                        let scale = 1 / sum
                        for r in 0..<n { dst[r] *= scale }
                    }
                }
            }
            return
        }
        let chunk = 256
        let chunks = (inner + chunk - 1) / chunk
        context.parallelFor(outer * chunks, minChunk: Swift.max(1, 8192 / Swift.max(1, n * Swift.min(chunk, inner)))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
            var m = [T](repeating: 0, count: chunk), sum = [T](repeating: 0, count: chunk)
            for task in range {
                let o = task / chunks
                let i0 = (task % chunks) * chunk, width = Swift.min(inner, i0 + chunk) - i0
                let src = xp + o * n * inner + i0, dst = yp + o * n * inner + i0
                for i in 0..<width { m[i] = src[i]; sum[i] = 0 }
                for r in 1..<n {
                    let row = src + r * inner
                    for i in 0..<width where row[i] > m[i] { m[i] = row[i] }
                }
                for r in 0..<n {
                    let row = src + r * inner, out = dst + r * inner
                    for i in 0..<width { out[i] = row[i] - m[i] }
                    T.exponentiate(out, count: width)
                    for i in 0..<width { sum[i] += out[i] }
                }
                if log {
                    for i in 0..<width { m[i] += sum[i].logarithm }
                    for r in 0..<n {
                        let row = src + r * inner, out = dst + r * inner
                        for i in 0..<width { out[i] = row[i] - m[i] }
                    }
                } else {
                    for i in 0..<width { sum[i] = 1 / sum[i] }
                    for r in 0..<n {
                        let out = dst + r * inner
                        for i in 0..<width { out[i] *= sum[i] }
                    }
                }
            }
        }
    }
}
