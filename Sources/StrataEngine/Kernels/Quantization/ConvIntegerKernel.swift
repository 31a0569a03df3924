import StrataCore

/// ONNX `ConvInteger` and `QLinearConv`: the convolution of `x - x_zero_point` with
/// `w - w_zero_point` (zero point per tensor, or per output channel for w), exactly in int32
/// (wrapping, as int32 accumulation does), padding contributing 0 (x_zero_point before the
/// subtraction). Geometry attributes as `Conv`. `QLinearConv` adds the int32 bias and requantizes
/// each sum: `saturate(round(sum · x_scale·w_scale/y_scale) + y_zero_point)`, w_scale per tensor
/// or per output channel, the multiplier computed in the scales' precision and the product in
/// float32, as onnxruntime's MLAS does (`QuantizedInteger.requantize`).
struct ConvIntegerKernel: Kernel {
    let node: Node
    /// True for QLinearConv (inputs x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B).
    let requantizes: Bool
    let attributes: ConvAttributes
    var group: Int { attributes.group }

    init(_ ctx: KernelBuildContext, requantizes: Bool) throws {
        node = ctx.node
        self.requantizes = requantizes
        attributes = try node.typed(ConvAttributes.self)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let (x, w) = (try args.tensor(0), try args.tensor(requantizes ? 3 : 1))
        guard x.rank >= 3, w.rank == x.rank else {
            throw node.error("x \(x.shape) and w \(w.shape) must be [N, C, spatial…] and [M, C/group, kernel…]", kind: .invalidInput)
        }
        let (batch, channels, maps) = (x.shape[0], x.shape[1], w.shape[0])
        guard channels == w.shape[1] * group, maps % group == 0 else {
            throw node.error("x has \(channels) channels and w is \(w.shape) with group \(group)", kind: .invalidInput)
        }
        let xZero = args.optional(2)
        if let xZero, xZero.count != 1 {
            throw node.error("x_zero_point must be one value, found \(xZero.shape)", kind: .unsupported)
        }
        let wideX = try MatMulIntegerKernel.widened(x, xZero, axis: 1, "x", node: node)
        let wideW = try MatMulIntegerKernel.widened(w, args.optional(requantizes ? 5 : 3), axis: 0, "w", node: node)

        let rank = x.rank - 2
        let window = try SlidingWindow(attributes.window, node: node, rank: rank, kernel: Array(w.shape.dropFirst(2)))
        let placement = try window.place(over: Array(x.shape.dropFirst(2)), node: node)
        let geometry = ConvGeometry(input: Array(x.shape.dropFirst(2)), output: placement.output, window: window,
                                    padBegin: placement.padBegin)
        let sums = try Tensor(dtype: .int32, shape: [batch, maps] + placement.output, zeroed: true)
        if sums.count > 0 {
            let problem = IntegerConvProblem(x: wideX.pointer(as: Int32.self), w: wideW.pointer(as: Int32.self),
                                             y: sums.pointer(as: Int32.self), batch: batch, channels: channels, maps: maps,
                                             group: group, geometry: geometry)
            try problem.run(context)
        }
        guard requantizes else { return [sums] }
        return [try requantized(sums, args, maps: maps)]
    }

    /// QLinearConv's output from the int32 sums: bias added, scaled, rounded, offset and saturated.
    private func requantized(_ sums: Tensor, _ args: KernelInputs, maps: Int) throws -> Tensor {
        let (xScale, wScale, yScale, yZero) = (try args.tensor(1), try args.tensor(4), try args.tensor(6), try args.tensor(7))
        let range = try QuantizedInteger.requireRange(yZero.dtype, "y_zero_point", node: node)
        let (sx, sw, sy) = (try QuantizedInteger.scales(xScale, "x_scale", node: node),
                            try QuantizedInteger.scales(wScale, "w_scale", node: node),
                            try QuantizedInteger.scales(yScale, "y_scale", node: node))
        guard sx.count == 1, sy.count == 1, yZero.count == 1, sw.count == 1 || sw.count == maps else {
            throw node.error("x_scale, y_scale and y_zero_point must be single values and w_scale one or one per output channel "
                             + "(\(maps)), found \(xScale.shape), \(yScale.shape), \(yZero.shape) and \(wScale.shape)", kind: .invalidInput)
        }
        var bias = [Int32](repeating: 0, count: maps)
        if let b = args.optional(8) {
            guard b.dtype == .int32, b.count == maps else {
                throw node.error("B must be int32 with one value per output channel (\(maps)), found \(b.type)", kind: .invalidInput)
            }
            bias = Array(b.buffer(as: Int32.self))
        }
        let multipliers = sw.map { QuantizedInteger.multiplier(sx[0], $0, over: sy[0], in: xScale.dtype) }
        let zero = yZero.ints()[0]
        let plane = Array(sums.shape.dropFirst(2)).elementCount
        let acc = sums.pointer(as: Int32.self)
        return try QuantizedInteger.make(yZero.dtype, shape: sums.shape) { i in
            let m = (i / Swift.max(plane, 1)) % maps
            let sum = acc[i] &+ bias[m]
            return QuantizedInteger.requantize(sum, by: multipliers[multipliers.count == 1 ? 0 : m], zeroPoint: zero, range: range)
        }
    }
}

/// One integer convolution's pointers and sizes: per image and group, the input unfolded
/// (im2col, padding 0) times the group's weight rows, in int32.
private struct IntegerConvProblem: @unchecked Sendable {
    let x: UnsafePointer<Int32>
    let w: UnsafePointer<Int32>
    let y: UnsafeMutablePointer<Int32>
    let batch, channels, maps, group: Int
    let geometry: ConvGeometry

    init(x: UnsafeMutablePointer<Int32>, w: UnsafeMutablePointer<Int32>, y: UnsafeMutablePointer<Int32>,
         batch: Int, channels: Int, maps: Int, group: Int, geometry: ConvGeometry) {
        (self.x, self.w, self.y) = (UnsafePointer(x), UnsafePointer(w), y)
        (self.batch, self.channels, self.maps, self.group, self.geometry) = (batch, channels, maps, group, geometry)
    }

    func run(_ context: ExecutionContext) throws {
        let (groupChannels, taps) = (channels / group, geometry.kernelSize)
        // Sums that cannot leave int32 are exact in float64 too (each partial sum is an integer
        // below 2^31 < 2^53), in any order: then BLAS's dgemm computes them, far faster than a loop.
        let largest = { (p: UnsafePointer<Int32>, count: Int) in (0..<count).reduce(0) { Swift.max($0, Int(p[$1].magnitude)) } }
        let (xMax, wMax) = (largest(x, batch * channels * geometry.inputSize), largest(w, maps * groupChannels * taps))
        let (bound, overflow) = (groupChannels * taps).multipliedReportingOverflow(by: xMax * wMax)
        if !overflow, bound < Int(Int32.max) {
            try runExactInFloat64(context)
        } else {
            try runInInt32(context)
        }
    }

    /// `run` through dgemm on the values converted to float64, whose sums equal the int32 ones
    /// when no sum can pass int32's range.
    private func runExactInFloat64(_ context: ExecutionContext) throws {
        let (inSize, outSize, taps) = (geometry.inputSize, geometry.outputSize, geometry.kernelSize)
        let (groupChannels, groupMaps) = (channels / group, maps / group)
        let rows = groupChannels * taps
        let offsets = (0..<taps).map { geometry.tapOffsets($0) }
        let weights = try Tensor(dtype: .float64, shape: [maps, rows])
        let wd = weights.pointer(as: Double.self)
        for i in 0..<(maps * rows) { wd[i] = Double(w[i]) }
        let columns = try Tensor(dtype: .float64, shape: [group, rows, outSize])
        let sums = try Tensor(dtype: .float64, shape: [maps, outSize])
        let scratch = ExactConvScratch(columns: columns.pointer(as: Double.self), sums: sums.pointer(as: Double.self),
                                       weights: UnsafePointer(wd))
        for n in 0..<batch {
            context.parallelFor(group) { groups in
                for g in groups {
                    let dst = scratch.columns + g * rows * outSize
                    for c in 0..<groupChannels {
                        let src = x + (n * channels + g * groupChannels + c) * inSize
                        for tap in 0..<taps {
                            let table = offsets[tap]
                            let row = dst + (c * taps + tap) * outSize
                            for o in 0..<outSize { row[o] = table[o] < 0 ? 0 : Double(src[table[o]]) }
                        }
                    }
                }
            }
            let blocks = Swift.max(1, Swift.min(groupMaps, (context.threads + group - 1) / group * 2))
            let perBlock = (groupMaps + blocks - 1) / blocks
            context.parallelFor(group * blocks) { items in
                for item in items {
                    let (g, block) = item.quotientAndRemainder(dividingBy: blocks)
                    let first = block * perBlock, last = Swift.min(groupMaps, first + perBlock)
                    guard first < last else { continue }
                    let m0 = g * groupMaps + first
                    Double.gemm(transA: false, transB: false, m: last - first, n: outSize, k: rows, alpha: 1,
                                a: scratch.weights + m0 * rows, lda: rows, b: UnsafePointer(scratch.columns + g * rows * outSize),
                                ldb: outSize, beta: 0, c: scratch.sums + m0 * outSize, ldc: outSize)
                    let out = y + (n * maps + m0) * outSize
                    let from = scratch.sums + m0 * outSize
                    for i in 0..<((last - first) * outSize) { out[i] = Int32(from[i]) }
                }
            }
        }
    }

    /// `run` in int32 arithmetic (wrapping).
    private func runInInt32(_ context: ExecutionContext) throws {
        let (inSize, outSize, taps) = (geometry.inputSize, geometry.outputSize, geometry.kernelSize)
        let (groupChannels, groupMaps) = (channels / group, maps / group)
        let rows = groupChannels * taps
        // One table of input offsets (-1 in the padding) per kernel tap, shared by every channel.
        let offsets = (0..<taps).map { geometry.tapOffsets($0) }
        let columns = try Tensor(dtype: .int32, shape: [group, rows, outSize])
        let col = columns.pointer(as: Int32.self)
        let scratch = IntegerConvScratch(col)
        for n in 0..<batch {
            context.parallelFor(group) { groups in
                for g in groups {
                    let dst = scratch.pointer + g * rows * outSize
                    for c in 0..<groupChannels {
                        let src = x + (n * channels + g * groupChannels + c) * inSize
                        for tap in 0..<taps {
                            let table = offsets[tap]
                            let row = dst + (c * taps + tap) * outSize
                            for o in 0..<outSize { row[o] = table[o] < 0 ? 0 : src[table[o]] }
                        }
                    }
                }
            }
            // Work items: (group, block of output channels), so that both wide and grouped layers spread.
            let blocks = Swift.max(1, Swift.min(groupMaps, (context.threads + group - 1) / group * 2))
            let perBlock = (groupMaps + blocks - 1) / blocks
            context.parallelFor(group * blocks) { items in
                for item in items {
                    let (g, block) = item.quotientAndRemainder(dividingBy: blocks)
                    let first = block * perBlock, last = Swift.min(groupMaps, first + perBlock)
                    guard first < last else { continue }
                    let m0 = g * groupMaps + first
                    Int32.gemm(transA: false, transB: false, m: last - first, n: outSize, k: rows, alpha: 1,
                               a: w + m0 * rows, lda: rows, b: UnsafePointer(scratch.pointer + g * rows * outSize), ldb: outSize,
                               beta: 0, c: y + (n * maps + m0) * outSize, ldc: outSize)
                }
            }
        }
    }
}

/// The float64 im2col buffer, sums and weights of `runExactInFloat64`, shared by the workers of one
/// loop (each writes its own rows).
private struct ExactConvScratch: @unchecked Sendable {
    let columns: UnsafeMutablePointer<Double>
    let sums: UnsafeMutablePointer<Double>
    let weights: UnsafePointer<Double>
}

/// The im2col buffer, shared by the workers of one loop (each writes its own rows).
private struct IntegerConvScratch: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>
    init(_ pointer: UnsafeMutablePointer<Int32>) { self.pointer = pointer }
}
