import StrataCore

/// Split: consecutive bands of the input along `axis`. Sizes come from the `split` attribute
/// (before opset 13) or input, from `num_outputs` (opset 18+), or are equal parts.
struct SplitKernel: Kernel {
    let node: Node
    let axis: Int
    let attributeSplit: [Int]?
    let numOutputs: Int?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(SplitAttributes.self)
        (axis, attributeSplit, numOutputs) = (attributes.axis, attributes.split, attributes.numOutputs)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        let a = try ShapeAlgebra.normalizeAxis(axis, rank: x.rank, node: node)
        let given = try node.opset < 13 ? attributeSplit : args.ints(1, "split")
        let sizes = try ShapeTypeRules.splitSizes(dim: x.shape[a], split: given, numOutputs: numOutputs,
                                                  outputs: node.outputs.count, node: node)
        let strides = StridedCopy.contiguousStrides(x.shape)
        var start = 0
        return try sizes.map { size in
            var shape = x.shape
            shape[a] = size
            let part = try StridedCopy.elements(of: x, shape: shape, strides: strides, offset: start * strides[a], context: context)
            start += size
            return part
        }
    }
}
