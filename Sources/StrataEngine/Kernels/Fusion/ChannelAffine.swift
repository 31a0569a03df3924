import StrataCore
import CStrataKernels

/// A per-channel `Mul` then `Add` of constants after a convolution (`y · a[c] + b[c]`, how an
/// inference BatchNormalization is lowered), which the engine applies plane by plane right after the
/// convolution stores each output, instead of two separate passes over memory.
///
/// It computes exactly what the two `Mul` and `Add` kernels compute (one float32 product, then one
/// float32 sum, then the optional activation through the same C epilogue): the convolution and its
/// normalization stay two tensors in the graph, so the convolution's own output can be captured
/// and differentiated, and fusing changes no value.
struct ChannelAffine: Sendable {
    /// One factor per output channel.
    let scale: [Float]
    /// One term per output channel.
    let shift: [Float]

    /// The affine of `mul` (`Mul(x, s)` or `Mul(s, x)`) followed by `add` (`Add(mul's output, t)` or
    /// `Add(t, …)`), where `x` is the output of a convolution with `channels` output channels and
    /// output rank `rank`, and `s`, `t` are float32 constants that broadcast along the channel axis
    /// only (one value, or `channels` values on axis 1); nil otherwise.
    init?(x: String, mul: Node, add: Node, channels: Int, rank: Int, constant: (String) -> Tensor?) {
        guard mul.opType == "Mul", add.opType == "Add", let m = mul.outputs.first,
              let s = Self.other(than: x, in: mul), let t = Self.other(than: m, in: add),
              let scale = Self.perChannel(constant(s), channels: channels, rank: rank),
              let shift = Self.perChannel(constant(t), channels: channels, rank: rank) else { return nil }
        (self.scale, self.shift) = (scale, shift)
    }

    /// The input of a two-input `node` that is not `x`, when `x` is its other input exactly once.
    private static func other(than x: String, in node: Node) -> String? {
        guard node.inputs.count == 2, node.inputs.filter({ $0 == x }).count == 1 else { return nil }
        let name = node.inputs[0] == x ? node.inputs[1] : node.inputs[0]
        return name.isEmpty ? nil : name
    }

    /// The `channels` values of a float32 constant that broadcasts over a rank-`rank` tensor along
    /// axis 1 alone (a single value is repeated); nil for any other shape, so broadcasting can never
    /// change the output's shape.
    private static func perChannel(_ tensor: Tensor?, channels: Int, rank: Int) -> [Float]? {
        guard let tensor, tensor.dtype == .float32, rank >= 2, tensor.rank <= rank, channels > 0 else { return nil }
        let offset = rank - tensor.rank
        for (i, size) in tensor.shape.enumerated() where size != 1 {
            guard i + offset == 1, size == channels else { return nil }
        }
        let values = tensor.floats()
        return values.count == 1 ? Array(repeating: values[0], count: channels) : values
    }

    /// Whether `y` is a float32 tensor `[N, channels, …]` this affine applies to.
    func fits(_ y: Tensor) -> Bool {
        y.dtype == .float32 && y.rank >= 2 && y.shape[1] == scale.count
    }

    /// `activation(y · scale[c] + shift[c])` in place over a float32 convolution output `y` of shape
    /// `[N, channels, …]` (`fits(y)`), plane by plane.
    func apply(to y: Tensor, activation: FusedActivation?, context: ExecutionContext) {
        let channels = scale.count
        precondition(fits(y), "ChannelAffine: not this convolution's output")
        let plane = y.shape.dropFirst(2).reduce(1, *)
        let job = AffineJob(y: y.pointer(as: Float.self), plane: plane, affine: self,
                            epilogue: activation?.epilogue(bias: nil)
                                ?? strata_epilogue(bias: nil, activation: Int32(STRATA_ACT_NONE.rawValue), alpha: 0, beta: 0, column_bias: nil))
        context.parallelFor(y.count / max(plane, 1), minChunk: max(1, (1 << 14) / max(plane, 1))) { planes in
            var ep = job.epilogue
            for p in planes { job.affine.apply(channel: p % channels, to: job.y + p * job.plane, count: job.plane, &ep) }
        }
    }

    /// `activation(v · scale[c] + shift[c])` in place over `count` values of channel `c`, the
    /// activation from `epilogue` (no bias of its own). Every fused affine goes through here, so
    /// that all give the same bits as the separate `Mul` and `Add` kernels: one pass of the kernel
    /// tier's vectors, the product and the sum rounded apart. (A multiply loop in Swift, which
    /// compiles to baseline x86-64's four lanes, then the tier's epilogue took a second pass: 1.1 ms
    /// of Keras MobileNetV2's 9.4 went to its 52 affines.)
    func apply(channel c: Int, to row: UnsafeMutablePointer<Float>, count: Int, _ epilogue: inout strata_epilogue) {
        strata_affine_apply(row, row, count, scale[c], shift[c], &epilogue)
    }
}

/// What the parallel loop of `ChannelAffine.apply` shares; each chunk writes its own planes.
private struct AffineJob: @unchecked Sendable {
    let y: UnsafeMutablePointer<Float>
    let plane: Int
    let affine: ChannelAffine
    let epilogue: strata_epilogue
}
