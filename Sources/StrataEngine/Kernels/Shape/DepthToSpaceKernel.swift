import StrataCore

/// DepthToSpace and SpaceToDepth: 4-D block rearrangements between channels and space, as a
/// 6-D transpose. `mode` DCR (default) or CRD selects the channel order of the blocks
/// (SpaceToDepth reads `mode` from opset 28; before, it is DCR).
struct DepthToSpaceKernel: Kernel {
    let node: Node
    let blockSize: Int
    let columnRowDepth: Bool
    let toSpace: Bool

    init(_ ctx: KernelBuildContext, toSpace: Bool) throws {
        node = ctx.node
        self.toSpace = toSpace
        let attributes = try node.typed(SpaceDepthAttributes.self)
        (blockSize, columnRowDepth) = (attributes.blockSize, attributes.columnRowDepth)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        guard x.rank == 4 else { throw node.error("expects a 4-D input, found shape \(x.shape)", kind: .invalidInput) }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let b = blockSize
        let view: [Int], perm: [Int], outShape: [Int]
        if toSpace {
            guard c % (b * b) == 0 else {
                throw node.error("channel count \(c) is not divisible by blocksize² \(b * b)", kind: .invalidInput)
            }
            let d = c / (b * b)
            view = columnRowDepth ? [n, d, b, b, h, w] : [n, b, b, d, h, w]
            perm = columnRowDepth ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2]
            outShape = [n, d, h * b, w * b]
        } else {
            guard h % b == 0, w % b == 0 else {
                throw node.error("spatial size \(h)x\(w) is not divisible by blocksize \(b)", kind: .invalidInput)
            }
            view = [n, c, h / b, b, w / b, b]
            perm = columnRowDepth ? [0, 1, 3, 5, 2, 4] : [0, 3, 5, 1, 2, 4]
            outShape = [n, c * b * b, h / b, w / b]
        }
        let strides = StridedCopy.contiguousStrides(view)
        let out = try StridedCopy.elements(of: x, shape: perm.map { view[$0] }, strides: perm.map { strides[$0] }, context: context)
        return [out.reshaped(outShape)]
    }
}
