import Foundation
import StrataCore

/// HannWindow, HammingWindow and BlackmanWindow: a window of `size` values (a scalar integer input),
/// `periodic` (default 1) dividing by `size` instead of `size - 1`, in `output_datatype` (default
/// float32). Hann `sin²(πn/N)`, Hamming `25/46 - 21/46·cos(2πn/N)`, Blackman
/// `0.42 - 0.5·cos(2πn/N) + 0.08·cos(4πn/N)`, computed in float64 and rounded once.
struct WindowKernel: Kernel {
    let node: Node
    let periodic: Bool
    let dtype: DType

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(SignalWindowAttributes.self)
        (periodic, dtype) = (attributes.periodic, attributes.dtype)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let size = try KernelInputs(inputs, node: node).tensor(0)
        guard size.dtype.isInteger, size.count == 1 else {
            throw node.error("size must be one integer, found \(size.type)", kind: .invalidInput)
        }
        let n = size.intValue(at: 0)
        guard n >= 0 else { throw node.error("size must not be negative, found \(n)", kind: .invalidInput) }
        let values = try Tensor(dtype: .float64, shape: [n])
        let out = values.pointer(as: Double.self)
        let denominator = Double(periodic ? n : n - 1)
        for i in 0..<n {
            let phase = Double(i) * Double.pi / denominator
            switch node.opType {
            case "HannWindow": out[i] = Foundation.pow(Foundation.sin(phase), 2)
            case "HammingWindow": out[i] = 25.0 / 46.0 - (21.0 / 46.0) * Foundation.cos(2 * phase)
            default: out[i] = 0.42 - 0.5 * Foundation.cos(2 * phase) + 0.08 * Foundation.cos(4 * phase)
            }
        }
        return [dtype == .float64 ? values : try values.converted(to: dtype, context: context)]
    }
}
