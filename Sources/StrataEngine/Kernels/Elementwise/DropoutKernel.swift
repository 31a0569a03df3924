import StrataCore

/// `Dropout` at inference: the output is the input, and the optional mask keeps every element
/// (bool true from opset 10, ones of the input's dtype before). Training mode (input 2 true,
/// opset 12 on) is not supported.
struct DropoutKernel: Kernel {
    let wantsMask: Bool
    let boolMask: Bool

    init(_ ctx: KernelBuildContext) throws {
        wantsMask = ctx.node.outputs.count > 1 && !ctx.node.outputs[1].isEmpty
        boolMask = ctx.node.opset >= 10
        if let training = ctx.constant(2), try DropoutKernel.isTraining(training) {
            throw ctx.node.error("training mode is not supported", kind: .unsupported)
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try ElementwiseInputs.required(inputs, 0)
        if inputs.count > 2, let training = inputs[2], try DropoutKernel.isTraining(training) {
            throw StrataError(.unsupported, "training mode is not supported")
        }
        guard wantsMask else { return [x] }
        let mask = boolMask ? try Tensor(dtype: .bool, shape: x.shape) : try Tensor(dtype: x.dtype, shape: x.shape)
        if boolMask {
            mask.rawPointer.initializeMemory(as: UInt8.self, repeating: 1, count: mask.count)
        } else {
            let one = try Tensor(elementwiseScalar: 1, as: x.dtype)
            for i in 0..<mask.count {
                (mask.rawPointer + i * x.dtype.byteSize).copyMemory(from: one.rawPointer, byteCount: x.dtype.byteSize)
            }
        }
        return [x, mask]
    }

    private static func isTraining(_ t: Tensor) throws -> Bool {
        if t.count != 1 { throw StrataError(.invalidInput, "training_mode must be a scalar") }
        return t.intValue(at: 0) != 0
    }
}
