import Foundation
import StrataCore

/// `ai.onnx.preview` `FlexAttention` (opset 1), as onnx's reference evaluator computes it: with Q
/// [B, Hq, L, E], K [B, Hkv, S, E] and V [B, Hkv, S, Ev] (groups of Hq / Hkv query heads share a K/V
/// head), scores = (Q·√scale)(K·√scale)ᵀ in the inputs' type, then in the softmax type
/// (`softmax_precision`, or float32 for inputs narrower than float32): `score_mod` applied to the
/// whole [B, Hq, L, S] tensor, a softmax over S, `prob_mod` applied, and the product with V, returned
/// in V's type. The two modifiers are subgraphs of one tensor in and one out, which may read outer
/// values.
struct FlexAttentionKernel: Kernel {
    let node: Node
    let attributes: FlexAttentionAttributes
    let scoreMod: SubgraphRunner?
    let probMod: SubgraphRunner?

    init(_ ctx: KernelBuildContext) throws {
        let node = ctx.node
        self.node = node
        attributes = try node.typed(FlexAttentionAttributes.self)
        let implicit = node.implicitInputs
        let runners = try ["score_mod", "prob_mod"].map { name in
            try node.subgraph(name).map { try SubgraphRunner($0, attribute: name, node: node, implicitInputs: implicit) }
        }
        (scoreMod, probMod) = (runners[0], runners[1])
        for (name, runner) in [("score_mod", scoreMod), ("prob_mod", probMod)] {
            if let runner, runner.body.inputs.count != 1 || runner.outputCount != 1 {
                throw node.attributeError(name, "the subgraph must take one tensor and give one; it has \(runner.body.inputs.count) "
                                          + "inputs and \(runner.outputCount) outputs")
            }
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let (q, k, v) = (try args.tensor(0), try args.tensor(1), try args.tensor(2))
        guard [q, k, v].allSatisfy({ $0.dtype.isFloatingPoint && $0.rank == 4 }) else {
            throw node.error("Q \(q.type), K \(k.type) and V \(v.type) must be rank-4 float tensors", kind: .invalidInput)
        }
        let (batch, heads, queries, size) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let (kvHeads, keys, valueSize) = (k.shape[1], k.shape[2], v.shape[3])
        guard k.shape[0] == batch, v.shape[0] == batch, v.shape[1] == kvHeads, v.shape[2] == keys, k.shape[3] == size,
              kvHeads > 0, heads % kvHeads == 0 else {
            throw node.error("Q \(q.type), K \(k.type) and V \(v.type) do not agree in batch, heads, lengths and sizes", kind: .invalidInput)
        }
        let outer = Array(inputs.dropFirst(3))
        let computeType = attributes.softmaxPrecision ?? (q.dtype == .float64 ? .float64 : .float32)
        // √scale is taken in float32 and rounded to Q's type, as the reference does.
        let scale = attributes.scale ?? Float(1 / Double(size).squareRoot())
        let root = try Self.rounded([Double(Float(scale).squareRoot())], to: q.dtype)[0]
        let qs = try Self.rounded((0 ..< q.count).map { q.doubleValue(at: $0) * root }, to: q.dtype)
        let ks = try Self.rounded((0 ..< k.count).map { k.doubleValue(at: $0) * root }, to: k.dtype)
        let group = heads / kvHeads
        var scores = [Double](repeating: 0, count: batch * heads * queries * keys)
        for b in 0 ..< batch {
            for h in 0 ..< heads {
                for i in 0 ..< queries {
                    let qi = ((b * heads + h) * queries + i) * size
                    for j in 0 ..< keys {
                        let kj = ((b * kvHeads + h / group) * keys + j) * size
                        var dot = 0.0
                        for d in 0 ..< size { dot += qs[qi + d] * ks[kj + d] }
                        scores[((b * heads + h) * queries + i) * keys + j] = dot
                    }
                }
            }
        }
        let shape = [batch, heads, queries, keys]
        scores = try Self.rounded(try Self.rounded(scores, to: q.dtype), to: computeType)
        if let scoreMod { scores = try modified(scores, shape, computeType, scoreMod, outer, context) }
        var probabilities = [Double](repeating: 0, count: scores.count)
        for row in 0 ..< batch * heads * queries {
            let line = row * keys
            let top = (0 ..< keys).map { scores[line + $0] }.max() ?? 0
            var sum = 0.0
            for j in 0 ..< keys { probabilities[line + j] = Foundation.exp(scores[line + j] - top); sum += probabilities[line + j] }
            for j in 0 ..< keys { probabilities[line + j] /= sum }
        }
        probabilities = try Self.rounded(probabilities, to: computeType)
        if let probMod { probabilities = try modified(probabilities, shape, computeType, probMod, outer, context) }
        let vs = try Self.rounded((0 ..< v.count).map { v.doubleValue(at: $0) }, to: computeType)
        let y = try Tensor(dtype: .float64, shape: [batch, heads, queries, valueSize])
        let out = y.pointer(as: Double.self)
        for b in 0 ..< batch {
            for h in 0 ..< heads {
                for i in 0 ..< queries {
                    let row = ((b * heads + h) * queries + i)
                    for e in 0 ..< valueSize {
                        var sum = 0.0
                        for j in 0 ..< keys { sum += probabilities[row * keys + j] * vs[((b * kvHeads + h / group) * keys + j) * valueSize + e] }
                        out[row * valueSize + e] = sum
                    }
                }
            }
        }
        return [try y.converted(to: v.dtype, context: context)]
    }

    /// `values` (of `shape`, in `dtype`) through a modifier subgraph; its output must keep the shape.
    private func modified(_ values: [Double], _ shape: [Int], _ dtype: DType, _ runner: SubgraphRunner, _ outer: [Tensor?],
                          _ context: ExecutionContext) throws -> [Double] {
        let input = try Self.tensor(values, shape).converted(to: dtype, context: context)
        let result = try runner.run([input], outer: outer, context: context)[0]
        guard result.shape == shape, result.dtype.isFloatingPoint else {
            throw node.error("a modifier subgraph returned \(result.type); it must keep \(dtype.rawValue)\(shape)", kind: .invalidInput)
        }
        return try Self.rounded((0 ..< result.count).map { result.doubleValue(at: $0) }, to: dtype)
    }

    /// `values` rounded to `dtype`'s precision.
    private static func rounded(_ values: [Double], to dtype: DType) throws -> [Double] {
        guard dtype != .float64 else { return values }
        let narrow = try tensor(values, [values.count]).converted(to: dtype)
        return (0 ..< narrow.count).map { narrow.doubleValue(at: $0) }
    }

    /// A float64 tensor of `shape` holding `values`.
    private static func tensor(_ values: [Double], _ shape: [Int]) throws -> Tensor {
        let t = try Tensor(dtype: .float64, shape: shape)
        t.pointer(as: Double.self).update(from: values, count: values.count)
        return t
    }
}
