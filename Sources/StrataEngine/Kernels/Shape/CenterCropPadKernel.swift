import StrataCore

/// CenterCropPad: each listed axis cropped (window start rounded down) or zero-padded (the odd
/// pixel on the right) to its target size, centred.
struct CenterCropPadKernel: Kernel {
    let node: Node
    let axes: [Int]?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        axes = try node.typed(CenterCropPadAttributes.self).axes
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard let target = try args.ints(1, "shape") else { throw node.error("shape input is missing") }
        let axisList = try ShapeAlgebra.normalizeAxes(axes ?? Array(0..<x.rank), rank: x.rank, node: node)
        guard target.count == axisList.count else {
            throw node.error("shape has \(target.count) values for \(axisList.count) axes", kind: .invalidInput)
        }
        var outShape = x.shape
        for (i, a) in axisList.enumerated() { outShape[a] = target[i] }
        if try OutputBudget.check(outShape, x.dtype, node: node) == 0 { return [try Tensor(dtype: x.dtype, shape: outShape)] }
        let maps = (0..<x.rank).map { d -> [Int] in
            let n = x.shape[d], m = outShape[d]
            // Crop: input starts (n - m) / 2 in; pad: output starts (m - n) / 2 in.
            let shift = n >= m ? (n - m) / 2 : -((m - n) / 2)
            return (0..<m).map { j in
                let i = j + shift
                return i >= 0 && i < n ? i : -1
            }
        }
        return [try AxisMapGather(maps: maps).run(x, fill: ScalarElement.make(0, dtype: x.dtype), context: context)]
    }
}
