import StrataCore

/// Unsqueeze: a view with size-1 axes inserted at the listed output positions. Axes come from
/// the attribute before opset 13 and from the second input after.
struct UnsqueezeKernel: Kernel {
    let node: Node
    let attributeAxes: [Int]?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributeAxes = try node.typed(AxesAttributes.self).axes
        if node.opset < 13, attributeAxes == nil { throw node.missing("axes") }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard let axes = try attributeAxes ?? args.ints(1, "axes") else { throw node.error("axes input is missing") }
        return [x.reshaped(try ShapeTypeRules.unsqueezed(x.shape, axes: axes, one: 1, node: node))]
    }
}
