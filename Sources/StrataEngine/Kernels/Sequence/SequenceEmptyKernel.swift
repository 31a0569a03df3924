import StrataCore

/// `SequenceEmpty`: a sequence with no elements, of the `dtype` attribute's element type.
struct SequenceEmptyKernel: ValueKernel {
    let dtype: DType

    init(_ ctx: KernelBuildContext) throws {
        dtype = try ctx.node.typed(SequenceEmptyAttributes.self).dtype
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        [.sequence(try TensorSequence(dtype: dtype, elements: []))]
    }
}
