import StrataCore

/// `Cast` (to the dtype of the `to` attribute) and `CastLike` (to the dtype of input 1), between
/// every pair of Strata dtypes with ONNX `Cast` rules (`CastAttributes`).
struct CastKernel: Kernel {
    /// The target dtype; nil for `CastLike`, which takes it from input 1.
    let target: DType?
    let saturate: Bool

    init(_ ctx: KernelBuildContext) throws {
        let attributes = try ctx.node.typed(CastAttributes.self)
        (target, saturate) = (attributes.target, attributes.saturate)
        if ctx.node.opType == "CastLike", ctx.node.inputs.count != 2 {
            throw ctx.node.error("expected 2 inputs, found \(ctx.node.inputs.count)")
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try ElementwiseInputs.required(inputs, 0)
        let dtype = try target ?? ElementwiseInputs.required(inputs, 1).dtype
        return [try x.converted(to: dtype, saturate: saturate, context: context)]
    }
}
