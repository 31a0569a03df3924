import StrataCore

/// Squeeze: a view without the listed size-1 axes (all size-1 axes when none are listed).
/// Axes come from the attribute before opset 13 and from the second input after.
struct SqueezeKernel: Kernel {
    let node: Node
    let attributeAxes: [Int]?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributeAxes = try node.typed(AxesAttributes.self).axes
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        let axes = try node.opset < 13 ? attributeAxes : args.ints(1, "axes")
        let drop: [Int]
        if let axes {
            drop = try ShapeAlgebra.normalizeAxes(axes, rank: x.rank, node: node)
            for a in drop where x.shape[a] != 1 {
                throw node.error("cannot squeeze axis \(a) of size \(x.shape[a])", kind: .invalidInput)
            }
        } else {
            drop = x.shape.indices.filter { x.shape[$0] == 1 }
        }
        return [x.reshaped(x.shape.indices.filter { !drop.contains($0) }.map { x.shape[$0] })]
    }
}
