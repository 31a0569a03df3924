import Foundation
import StrataCore

/// onnxruntime's `com.microsoft` `QLinearLeakyRelu` (attribute `alpha`, default 0.01) and
/// `QLinearSigmoid` (inputs X, X_scale, X_zero_point, Y_scale, Y_zero_point): each 8-bit input
/// value dequantized, passed through the float32 function and quantized with Y's parameters,
/// through a 256-entry table as onnxruntime builds it.
struct QLinearLookupKernel: Kernel {
    enum Function: Sendable {
        case leakyRelu(Float)
        case sigmoid
    }

    let node: Node
    let function: Function

    init(_ ctx: KernelBuildContext, sigmoid: Bool) throws {
        node = ctx.node
        function = sigmoid ? .sigmoid : .leakyRelu(try node.typed(AlphaAttributes.self).alpha)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try QuantizedTensor(args, value: 0, scale: 1, zeroPoint: 2, "X", node: node)
        guard x.values.dtype == .uint8 || x.values.dtype == .int8 else {
            throw node.error("X has dtype \(x.values.dtype.rawValue); expected uint8 or int8", kind: .invalidInput)
        }
        let y = try QuantizedTensor.output(args, scale: 3, zeroPoint: 4, dtype: x.values.dtype, node: node)
        guard y.values.dtype == x.values.dtype else {
            throw node.error("Y_zero_point is \(y.values.dtype.rawValue) but X is \(x.values.dtype.rawValue)", kind: .invalidInput)
        }
        let table: [Int]
        switch function {
        case .leakyRelu(let alpha):
            table = QuantizedTensor.lookupTable(from: x, to: y) { $0 >= 0 ? $0 : $0 * alpha }
        case .sigmoid:
            table = QuantizedTensor.lookupTable(from: x, to: y) { 1 / (1 + Foundation.exp(-$0)) }
        }
        return [try QuantizedTensor.apply(table, to: x.values, dtype: y.values.dtype)]
    }
}
