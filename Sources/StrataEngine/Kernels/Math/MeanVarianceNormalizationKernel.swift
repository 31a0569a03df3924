import Foundation
import StrataCore

/// MeanVarianceNormalization: `(x - mean) / (sqrt(mean(x²) - mean²) + 1e-9)` with the means over
/// `axes` (default [0, 2, 3]), as the op's ONNX function defines it; computed in float64 and
/// returned in x's float dtype.
struct MeanVarianceNormalizationKernel: Kernel {
    let node: Node
    let axes: [Int]

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        axes = try node.typed(MeanVarianceNormalizationAttributes.self).axes
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        guard x.dtype.isFloatingPoint else {
            throw node.error("input has dtype \(x.dtype.rawValue); expected a float type", kind: .invalidInput)
        }
        var reduced = [Bool](repeating: false, count: x.rank)
        for axis in axes {
            guard (-x.rank..<x.rank).contains(axis) else {
                throw node.attributeError("axes", "\(axis) is out of range for rank \(x.rank)", kind: .invalidInput)
            }
            reduced[axis < 0 ? axis + x.rank : axis] = true
        }
        // Each element's group: its index with the reduced axes dropped.
        let strides = x.shape.indices.map { Array(x.shape[($0 + 1)...]).elementCount }
        let kept = x.shape.indices.filter { !reduced[$0] }
        let groups = kept.map { x.shape[$0] }.elementCount
        let members = Double(Swift.max(1, x.count / Swift.max(groups, 1)))
        func group(_ i: Int) -> Int {
            var g = 0
            for axis in kept { g = g * x.shape[axis] + (i / strides[axis]) % x.shape[axis] }
            return g
        }
        var sums = [Double](repeating: 0, count: groups), squares = [Double](repeating: 0, count: groups)
        for i in 0..<x.count {
            let (v, g) = (x.doubleValue(at: i), group(i))
            sums[g] += v
            squares[g] += v * v
        }
        let y = try Tensor(dtype: .float64, shape: x.shape)
        let out = y.pointer(as: Double.self)
        for i in 0..<x.count {
            let g = group(i)
            let mean = sums[g] / members
            out[i] = (x.doubleValue(at: i) - mean) / ((squares[g] / members - mean * mean).squareRoot() + 1e-9)
        }
        return [x.dtype == .float64 ? y : try y.converted(to: x.dtype, context: context)]
    }
}
