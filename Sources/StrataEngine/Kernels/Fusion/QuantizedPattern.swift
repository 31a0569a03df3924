import StrataCore

/// A QDQ pattern around one op node that onnxruntime's QDQ selectors accept, found in a planned
/// run: `DequantizeLinear` nodes giving every input of the op, the op, optionally a `Relu` or
/// `Clip` that the `QuantizeLinear`'s saturation makes redundant, and the `QuantizeLinear` node
/// reading the op's output (absent only for `Gemm`, whose float output `QGemm` then computes).
///
/// The conditions are onnxruntime's (its `qdq_selectors.cc` with the CPU provider's defaults):
/// 8-bit values (uint8 or int8; 16-bit ones are not fused); the op's output read by the
/// `QuantizeLinear` alone (or by the redundant `Relu`/`Clip` alone); input and output of the
/// same dtype; for `Conv` and `MatMul`, uint8 activations only (onnxruntime fuses int8 ones only on
/// ARM, and Strata computes the same on every machine); a `Conv` or `Gemm` bias of int32;
/// `Gemm`'s `beta` 1. On top of those, Strata requires what its integer kernels take: constant
/// scales and zero points, one of each for activations, per output channel only along the
/// weight's output axis. A requested value inside the pattern (the op's output, the `Relu`'s, or
/// a computed `DequantizeLinear` output) leaves it unfused, so a run hands out exactly what the
/// graph defines. A `DequantizeLinear` output also read elsewhere is still computed for those
/// readers (onnxruntime gives each reader its own copy of such a node).
struct QuantizedPattern {
    /// The op node (the group's head).
    let target: Int
    /// The `QuantizeLinear` node (the tail); the op node itself for a `Gemm` without one.
    let tail: Int
    /// `DequantizeLinear` nodes of the run whose only reader is the op: they are not run.
    let deferred: [Int]
    /// The redundant `Relu`/`Clip` node, not run.
    let clip: Int?
    let fusion: QuantizedFusion

    /// What the search reads about the planned run.
    struct Context {
        let graph: Graph
        /// Node indices reading each value (once per input slot), over the run's steps.
        let readers: [String: [Int]]
        /// The node producing each value, over the whole graph.
        let producers: [String: Int]
        let steps: Set<Int>
        let requested: Set<String>
        let constant: (String) -> Tensor?
    }

    /// One `DequantizeLinear` feeding the op.
    private struct Dequantized {
        let node: Int
        let output: String
        let values: QuantizedFusion.Source
        let scale: Tensor
        let zeroPoint: Tensor
        var dtype: DType { zeroPoint.dtype }
        var perTensor: Bool { scale.count == 1 && zeroPoint.count == 1 }
        var sources: [QuantizedFusion.Source] { [values, .constant(scale), .constant(zeroPoint)] }
    }

    /// The pattern whose op is node `index`, or nil when onnxruntime would not fuse it (or Strata
    /// cannot run the replacement).
    init?(op index: Int, in ctx: Context) {
        let graph = ctx.graph
        let op = graph.nodes[index]
        guard op.domain.isEmpty || op.domain == "ai.onnx", Self.fusedOps.contains(op.opType),
              let out = op.outputs.first, !out.isEmpty, op.outputs.dropFirst().allSatisfy(\.isEmpty) else { return nil }
        let present = op.inputs.filter { !$0.isEmpty }
        guard !present.isEmpty, present.count == op.inputs.count || op.opType == "Gemm" || op.opType == "Conv" else { return nil }
        var inputs: [Dequantized?] = []
        for name in op.inputs {
            guard !name.isEmpty else { inputs.append(nil); continue }
            guard let dq = Self.dequantized(name, ctx) else { return nil }
            inputs.append(dq)
        }
        // The op's output: read once, by a QuantizeLinear or by a Relu/Clip read once by one (a
        // Relu/Clip read once and not requested must be that, as onnxruntime requires).
        var clip: Int?
        var quantizer: (index: Int, scale: Tensor, zeroPoint: Tensor)?
        if !ctx.requested.contains(out), let r = ctx.readers[out], r.count == 1 {
            let reader = graph.nodes[r[0]]
            if reader.opType == "Relu" || reader.opType == "Clip", reader.inputs.first == out, let cOut = reader.outputs.first,
               !ctx.requested.contains(cOut), let cr = ctx.readers[cOut], cr.count == 1 {
                guard let q = Self.quantizer(cr[0], reading: cOut, ctx), Self.isRedundant(reader, before: q.scale, q.zeroPoint, ctx)
                else { return nil }
                (clip, quantizer) = (r[0], q)
            } else {
                quantizer = Self.quantizer(r[0], reading: out, ctx)
            }
        }
        if quantizer == nil {
            // Only a Gemm fuses without a quantizer (into QGemm's float output), and not when one reads it.
            guard op.opType == "Gemm", !(ctx.readers[out] ?? []).contains(where: { graph.nodes[$0].opType == "QuantizeLinear" })
            else { return nil }
        }
        guard let first = inputs.first ?? nil, first.dtype == .uint8 || first.dtype == .int8 else { return nil }
        if let quantizer, quantizer.zeroPoint.dtype != first.dtype { return nil }
        guard inputs.allSatisfy({ $0 == nil || $0!.dtype == .uint8 || $0!.dtype == .int8 || $0!.dtype == .int32 }) else { return nil }

        var node = Node(name: op.name, opType: "", opset: op.opset, inputs: [], outputs: [quantizer.map { graph.nodes[$0.index].outputs[0] } ?? out],
                        attributes: op.attributes)
        var sources: [QuantizedFusion.Source] = []
        let y: [QuantizedFusion.Source] = quantizer.map { [.constant($0.scale), .constant($0.zeroPoint)] } ?? []
        switch op.opType {
        case "Conv":
            guard op.inputs.count >= 2, let x = inputs[0], let w = inputs[1], x.dtype == .uint8, x.perTensor,
                  w.dtype == .int8 || w.dtype == .uint8, Self.isPerAxis(w, axis: 0, ctx) else { return nil }
            let bias = inputs.count > 2 ? inputs[2] : nil
            if let bias, bias.dtype != .int32 { return nil }
            node.opType = "QLinearConv"
            sources = x.sources + w.sources + y + [bias?.values ?? .absent]
        case "MatMul":
            guard let a = inputs[0], let b = inputs[1], a.dtype == .uint8, a.perTensor,
                  b.dtype == .int8 || b.dtype == .uint8, Self.isPerAxis(b, axis: -1, ctx) else { return nil }
            node.opType = "QLinearMatMul"
            sources = a.sources + b.sources + y
        case "Gemm":
            guard op.inputs.count >= 2, let a = inputs[0], let b = inputs[1], a.perTensor, b.dtype == .int8 || b.dtype == .uint8,
                  a.dtype == .uint8 || b.dtype == .int8,
                  Self.isPerAxis(b, axis: (try? op.typed(GemmAttributes.self).transB) == true ? 0 : 1, ctx) else { return nil }
            let bias = inputs.count > 2 ? inputs[2] : nil
            if let bias, bias.dtype != .int32 || (try? op.typed(GemmAttributes.self).beta) != 1 { return nil }
            node.attributes["beta"] = nil
            node.domain = "com.microsoft"
            node.opType = "QGemm"
            sources = a.sources + b.sources + [bias?.values ?? .absent] + y
        case "Add", "Mul":
            guard let a = inputs[0], let b = inputs[1], a.dtype == b.dtype, a.perTensor, b.perTensor else { return nil }
            node.domain = "com.microsoft"
            node.opType = "QLinear" + op.opType
            sources = a.sources + b.sources + y
        case "Concat":
            guard inputs.allSatisfy({ $0?.dtype == first.dtype && $0!.perTensor }) else { return nil }
            node.domain = "com.microsoft"
            node.opType = "QLinearConcat"
            sources = y + inputs.flatMap { $0!.sources }
        default:
            guard inputs.count == 1, first.perTensor else { return nil }
            node.domain = "com.microsoft"
            node.opType = "QLinear" + op.opType
            sources = first.sources + y
        }
        guard let fusion = QuantizedFusion(node: node, sources: sources) else { return nil }
        self.target = index
        self.tail = quantizer?.index ?? index
        self.clip = clip
        self.fusion = fusion
        deferred = inputs.compactMap { dq in
            guard let dq, ctx.steps.contains(dq.node), ctx.readers[dq.output]?.count == 1 else { return nil }
            return dq.node
        }
    }

    /// The ops whose patterns fuse (`init` says into what).
    static let fusedOps: Set<String> = ["Conv", "MatMul", "Gemm", "Add", "Mul", "AveragePool", "GlobalAveragePool", "LeakyRelu",
                                        "Sigmoid", "Concat"]

    /// The `DequantizeLinear` producing `name` with a constant float32 scale and a constant zero
    /// point (or none, for constant values: zeros of their dtype), not blocked; nil otherwise, or
    /// when its output is requested while it is computed by the run.
    private static func dequantized(_ name: String, _ ctx: Context) -> Dequantized? {
        guard let p = ctx.producers[name] else { return nil }
        let dq = ctx.graph.nodes[p]
        guard dq.opType == "DequantizeLinear", dq.domain.isEmpty || dq.domain == "ai.onnx", dq.inputs.count >= 2,
              !(ctx.steps.contains(p) && ctx.requested.contains(name)), (try? dq.typed(QuantizeAttributes.self).blockSize) == 0,
              let x = dq.inputs.first, !x.isEmpty, let scale = ctx.constant(dq.inputs[1]), scale.dtype == .float32, scale.rank <= 1
        else { return nil }
        let values = ctx.constant(x)
        let zero: Tensor
        if let z = dq.input(2) {
            guard let t = ctx.constant(z) else { return nil }
            zero = t
        } else {
            guard let values, QuantizedInteger.range(values.dtype) != nil || values.dtype == .int32,
                  let t = try? Tensor(dtype: values.dtype, shape: scale.shape, zeroed: true) else { return nil }
            zero = t
        }
        guard zero.count == scale.count, zero.rank <= 1 else { return nil }
        return Dequantized(node: p, output: name, values: values.map { .constant($0) } ?? .value(x), scale: scale, zeroPoint: zero)
    }

    /// Node `index` when it is a per-tensor 8-bit `QuantizeLinear` of `input` with a constant
    /// float32 scale and a constant zero point: its index, scale and zero point.
    private static func quantizer(_ index: Int, reading input: String, _ ctx: Context) -> (index: Int, scale: Tensor, zeroPoint: Tensor)? {
        let q = ctx.graph.nodes[index]
        guard q.opType == "QuantizeLinear", q.domain.isEmpty || q.domain == "ai.onnx", q.inputs.count == 3, q.inputs[0] == input,
              q.outputs.count == 1, let scale = ctx.constant(q.inputs[1]), scale.dtype == .float32, scale.count == 1,
              let zero = ctx.constant(q.inputs[2]), zero.count == 1, zero.dtype == .uint8 || zero.dtype == .int8 else { return nil }
        return (index, scale, zero)
    }

    /// Whether `dq`'s parameters are per tensor, or one per index of `axis` of its constant values
    /// (negative: from the end) with the node's own `axis` attribute naming that axis.
    private static func isPerAxis(_ dq: Dequantized, axis: Int, _ ctx: Context) -> Bool {
        if dq.perTensor { return true }
        guard case .constant(let values) = dq.values, values.rank >= 1, let own = try? ctx.graph.nodes[dq.node].typed(QuantizeAttributes.self).axis
        else { return false }
        let rank = values.rank
        let (wanted, given) = (axis < 0 ? axis + rank : axis, own < 0 ? own + rank : own)
        return wanted == given && values.shape[wanted] == dq.scale.count
    }

    /// onnxruntime's `IsClipMadeRedundantByQ`: a `Relu` when the zero point is the dtype's lowest
    /// value, a `Clip` with constant bounds when its bounds quantize outside the dtype's range, so
    /// that the quantizer's saturation does all the clipping.
    private static func isRedundant(_ clip: Node, before scale: Tensor, _ zeroPoint: Tensor, _ ctx: Context) -> Bool {
        guard let range = QuantizedInteger.range(zeroPoint.dtype), let activation = FusedActivation(node: clip, constant: ctx.constant)
        else { return false }
        let zero = zeroPoint.ints()[0]
        switch activation {
        case .relu:
            return zero == range.lowerBound
        case .clip(let low, let high):
            let s = scale.floats()[0]
            func quantized(_ v: Float) -> Double { Double((v / s).rounded(.toNearestOrEven)) + Double(zero) }
            return quantized(low) <= Double(range.lowerBound) && quantized(high) >= Double(range.upperBound)
        default:
            return false
        }
    }
}
