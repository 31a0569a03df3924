import StrataCore

/// `Cast` (to the dtype of the `to` attribute) and `CastLike` (to the dtype of input 1), between
/// every pair of Strata dtypes with ONNX `Cast` rules. `saturate` only concerns float8 targets,
/// which Strata has none of, so it is ignored; `round_mode` likewise.
struct CastKernel: Kernel {
    /// The target dtype; nil for `CastLike`, which takes it from input 1.
    let target: DType?

    init(_ ctx: KernelBuildContext) throws {
        if ctx.node.opType == "CastLike" {
            target = nil
            if ctx.node.inputs.count != 2 { throw ctx.node.error("expected 2 inputs, found \(ctx.node.inputs.count)") }
        } else {
            let code = try ctx.node.requiredInt("to")
            guard let dtype = DType(onnxCode: code) else {
                throw ctx.node.attributeError("to", "data type \(code) is not supported", kind: .unsupported)
            }
            target = dtype
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try ElementwiseInputs.required(inputs, 0)
        let dtype = try target ?? ElementwiseInputs.required(inputs, 1).dtype
        return [try x.converted(to: dtype, context: context)]
    }
}
