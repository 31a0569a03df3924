import StrataCore

/// Compress: the slices of the input along `axis` (or the elements of the flattened input when
/// there is no axis) whose entry in the 1-D `condition` is true; entries past its end are dropped.
struct CompressKernel: Kernel {
    let node: Node
    let axis: Int?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        axis = try node.typed(CompressAttributes.self).axis
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        var x = try args.tensor(0)
        let condition = try args.tensor(1)
        guard condition.rank == 1 else {
            throw node.error("condition must be 1-D, found shape \(condition.shape)", kind: .invalidInput)
        }
        var a = 0
        if let axis {
            a = try ShapeAlgebra.normalizeAxis(axis, rank: x.rank, node: node)
        } else {
            x = x.reshaped([x.count])
        }
        let flags = ElementTest.nonzero(condition)
        guard flags.count <= x.shape[a] else {
            throw node.error("condition has \(flags.count) entries for an axis of size \(x.shape[a])", kind: .invalidInput)
        }
        let picked = flags.indices.filter { flags[$0] }
        var outShape = x.shape
        outShape[a] = picked.count
        let out = try Tensor(dtype: x.dtype, shape: outShape)
        let outer = x.shape[..<a].reduce(1, *)
        let row = x.shape[(a + 1)...].reduce(1, *) * x.dtype.byteSize
        let dim = x.shape[a]
        for o in 0..<outer {
            for (j, i) in picked.enumerated() {
                (out.rawPointer + (o * picked.count + j) * row).copyMemory(from: x.rawPointer + (o * dim + i) * row, byteCount: row)
            }
        }
        return [out]
    }
}
