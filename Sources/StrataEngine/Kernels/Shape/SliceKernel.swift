import StrataCore

/// Slice: a strided copy of `starts:ends:steps` along `axes`, with ONNX's clamping and negative
/// steps. Before opset 10 the arguments are attributes (no steps), after that inputs.
struct SliceKernel: Kernel {
    let node: Node
    let attributeArguments: SliceSpec.Arguments?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributeArguments = try node.typed(SliceAttributes.self).arguments
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        let arguments: SliceSpec.Arguments
        if let attributeArguments {
            arguments = attributeArguments
        } else {
            guard let starts = try args.ints(1, "starts"), let ends = try args.ints(2, "ends") else {
                throw node.error("starts and ends are required")
            }
            arguments = SliceSpec.Arguments(starts: starts, ends: ends, axes: try args.ints(3, "axes"),
                                            steps: try args.ints(4, "steps"))
        }
        let spec = try SliceSpec(arguments, shape: x.shape, node: node)
        let base = StridedCopy.contiguousStrides(x.shape)
        var strides = base
        var offset = 0
        for a in spec.axes {
            strides[a.axis] = base[a.axis] * a.step
            if a.count > 0 { offset += a.start * base[a.axis] }
        }
        return [try StridedCopy.elements(of: x, shape: spec.outputShape(x.shape), strides: strides, offset: offset, context: context)]
    }
}
