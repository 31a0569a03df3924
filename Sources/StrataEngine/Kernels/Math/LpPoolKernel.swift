import Foundation
import StrataCore

/// LpPool: over each window (the attributes of `AveragePool`, with dilations and ceil mode), the
/// p-norm `(Σ |x|^p)^(1/p)` (`p` default 2), padding contributing 0. Computed in float64 and
/// returned in x's float dtype.
struct LpPoolKernel: Kernel {
    let node: Node
    let attributes: PoolAttributes
    var p: Int { attributes.p }

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(PoolAttributes.self)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        guard x.dtype.isFloatingPoint, x.rank >= 3 else {
            throw node.error("X \(x.type) must be a float tensor [N, C, spatial…]", kind: .invalidInput)
        }
        let spatial = Array(x.shape.dropFirst(2))
        let window = try SlidingWindow(attributes.window, node: node, rank: spatial.count, kernel: nil, allowsCeilMode: true)
        // As for the other pools (and onnxruntime): no window may lie wholly in the padding.
        try window.requirePadsSmallerThanKernel(node: node)
        let placement = try window.place(over: spatial, node: node)
        let geometry = ConvGeometry(input: spatial, output: placement.output, window: window, padBegin: placement.padBegin)
        let offsets = (0..<geometry.kernelSize).map { geometry.tapOffsets($0) }
        let planes = x.shape[0] * x.shape[1]
        let y = try Tensor(dtype: .float64, shape: Array(x.shape.prefix(2)) + placement.output)
        let out = y.pointer(as: Double.self)
        let power = Double(p)
        for plane in 0..<planes {
            for o in 0..<geometry.outputSize {
                var sum = 0.0
                for table in offsets where table[o] >= 0 {
                    sum += Foundation.pow(Swift.abs(x.doubleValue(at: plane * geometry.inputSize + table[o])), power)
                }
                out[plane * geometry.outputSize + o] = Foundation.pow(sum, 1 / power)
            }
        }
        return [x.dtype == .float64 ? y : try y.converted(to: x.dtype, context: context)]
    }
}
