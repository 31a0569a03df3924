import StrataCore

/// Col2Im: input [N, C·∏block, L] holds, per channel and block position, one column of L window
/// positions (the layout im2col writes); each value is added back to the image position it came
/// from, giving [N, C, image_shape…]. `block_shape` is the window; `strides`, `pads` and
/// `dilations` as for Conv. float32 (other float dtypes through float32).
struct Col2ImKernel: Kernel {
    let node: Node
    let attributes: WindowAttributes

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(WindowAttributes.self)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let input = try args.tensor(0)
        guard input.dtype.isFloatingPoint else {
            throw node.error("input has dtype \(input.dtype.rawValue); expected a float type", kind: .invalidInput)
        }
        if input.dtype != .float32 {
            return try runWidened(inputs, from: input.dtype, context: context) { try run($0, context: context) }
        }
        guard let image = try args.ints(1, "image_shape"), let block = try args.ints(2, "block_shape"),
              image.count == block.count, !image.isEmpty else {
            throw node.error("image_shape and block_shape must be integer vectors of one length", kind: .invalidInput)
        }
        let window = try SlidingWindow(attributes, node: node, rank: block.count, kernel: block)
        let placement = try window.place(over: image, node: node)
        let geometry = ConvGeometry(input: image, output: placement.output, window: window, padBegin: placement.padBegin)
        guard input.rank == 3, geometry.kernelSize > 0, input.shape[1] % geometry.kernelSize == 0,
              input.shape[2] == geometry.outputSize else {
            throw node.error("input \(input.shape) must be [N, C·\(geometry.kernelSize), \(geometry.outputSize)] for blocks \(block) "
                             + "over \(image)", kind: .invalidInput)
        }
        let (batch, channels) = (input.shape[0], input.shape[1] / geometry.kernelSize)
        guard let elements = ([batch, channels] + image).checkedElementCount, elements > 0 else {
            return [try Tensor(dtype: .float32, shape: [batch, channels] + image, zeroed: true)]
        }
        let y = try Tensor(dtype: .float32, shape: [batch, channels] + image, zeroed: true)
        let (src, dst) = (input.pointer(as: Float.self), y.pointer(as: Float.self))
        for n in 0..<batch {
            geometry.col2im(src + n * input.shape[1] * input.shape[2], channels: 0..<channels, into: dst + n * channels * geometry.inputSize)
        }
        return [y]
    }
}
