import StrataCore

/// The chains of nodes one run executes as a single kernel call: a convolution followed by an
/// activation (`Conv → Relu`, `Conv → Clip`, `Conv → Sigmoid → Mul` as SiLU…), optionally with a
/// per-channel `Mul → Add` of constants in between (an inference BatchNormalization,
/// `ChannelAffine`), `Sigmoid → Mul` of the same input as one SiLU pass, and PyTorch's erf GELU
/// (`Div → Erf → Add → Mul → Mul`, transformer MLPs) as one pass instead of five, and a residual
/// `Add` of another value between a Conv (and its affine) and the activation (`ResidualAdd`), and a
/// MatMul's constant bias `Add` (`ColumnBias`), and a 1×1 Conv (→ activation) with the depthwise
/// Conv (→ activation) reading its output, as one step (`PointwiseDepthwise`).
///
/// A chain is fused only when every value inside it is read by the chain alone and is not a
/// requested tensor: what a run hands out is always exactly what the original graph defines, and
/// the fused kernels compute the same values as the separate ones (see `FusedActivation`).
///
/// QDQ patterns (`DequantizeLinear → op (→ Relu/Clip) → QuantizeLinear`, see `QuantizedPattern`)
/// run as the integer op onnxruntime's default session runs instead: there the pattern's
/// quantized output is what onnxruntime computes, not what the float op rounded would give (the
/// two differ by a step where a float sum lies next to a half-way point).
struct FusionPlan: Sendable {
    /// One chain: the head node's call produces the tail node's output; the nodes in `elided`
    /// are not run.
    struct Group: Sendable {
        let head: Int
        let tail: Int
        let elided: [Int]
        /// The activation the chain ends with; nil only after an `affine`.
        let activation: FusedActivation?
        /// Whether the head's own kernel (an `ActivationFusing` one) runs with the activation;
        /// otherwise the activation is applied to the head's first input (the `Sigmoid → Mul` case).
        let headRunsKernel: Bool
        /// The per-channel `Mul → Add` between a Conv head and the activation (`Conv → Mul → Add
        /// (→ activation)`); the head's kernel then runs without an activation and this applies it.
        var affine: ChannelAffine? = nil
        /// An `Add` of another value after the Conv head (and its affine), before the activation:
        /// `Conv → Add(·, r) (→ activation)`, a residual connection.
        var residual: ResidualAdd? = nil
        /// The constant bias of a `MatMul → Add(·, b)` pair: the head (the MatMul) adds it as it
        /// computes, and the Add (the tail) does not run.
        var columnBias: ColumnBias? = nil
        /// The integer op replacing a QDQ pattern whose op is the head; its elided
        /// `DequantizeLinear` nodes come before the head and are never run, and the head's step
        /// always computes the tail's output this way.
        var quantized: QuantizedFusion? = nil
        /// The depthwise Conv (and its activation) after a pointwise Conv head and its activation,
        /// computed together band by band; the tail is the depthwise Conv or its activation.
        var depthwise: PointwiseDepthwise? = nil
    }

    /// Groups by head node index.
    private(set) var groups: [Int: Group] = [:]
    /// For each elided node, the head of its group.
    private(set) var elidedBy: [Int: Int] = [:]
    /// Values a quantized group reads in place of an elided `DequantizeLinear`: the step (position
    /// in `steps`) of the group's head, which they must outlive.
    private(set) var heldUntil: [String: Int] = [:]

    static let none = FusionPlan()

    private init() {}

    /// Finds the chains among `steps` (node indices in execution order). `targets` are the
    /// requested tensors; `constant` gives values known before running.
    init(graph: Graph, steps: [Int], targets: Set<String>, kernels: [any Kernel], constant: @escaping (String) -> Tensor?) {
        var readers: [String: [Int]] = [:]
        for index in steps {
            for name in graph.nodes[index].inputs where !name.isEmpty { readers[name, default: []].append(index) }
        }
        var taken = Set<Int>()
        let quantized = Self.quantizedContext(graph: graph, steps: steps, readers: readers, targets: targets, constant: constant)
        let position = quantized == nil ? [:] : Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        /// The only node reading `name` (once) when nothing else needs it, else nil.
        func soleReader(_ name: String) -> Int? {
            guard !targets.contains(name), let r = readers[name], r.count == 1 else { return nil }
            return r[0]
        }
        /// `Mul(x, s)` or `Mul(s, x)`.
        func isProduct(_ node: Node, of x: String, and s: String) -> Bool {
            node.opType == "Mul" && node.inputs.count == 2 && Set(node.inputs) == [x, s] && x != s
        }
        /// The activation applied to `out` by its sole reader (or by a `Sigmoid` and the `Mul` of `out`
        /// by it, as SiLU): the tail node and the nodes elided on the way; nil when there is none.
        func activation(after out: String) -> (tail: Int, elided: [Int], activation: FusedActivation)? {
            guard !targets.contains(out), let r = readers[out] else { return nil }
            if r.count == 1, !taken.contains(r[0]) {
                let reader = graph.nodes[r[0]]
                guard reader.inputs.first == out, reader.inputs.dropFirst().allSatisfy({ $0 != out }),
                      let activation = FusedActivation(node: reader, constant: constant) else { return nil }
                // `Relu → Min(·, c)`, Keras' ReLU(max_value = c) (ReLU6 in MobileNetV2): one clip, not a
                // second pass over the output (0.23 ms at 112 × 112 × 96).
                if activation == .relu, let rOut = reader.outputs.first, !targets.contains(rOut), let m = readers[rOut],
                   m.count == 1, !taken.contains(m[0]), case let min = graph.nodes[m[0]], min.opType == "Min", min.inputs.count == 2,
                   min.inputs.filter({ $0 == rOut }).count == 1, let c = min.inputs.first(where: { $0 != rOut }),
                   let high = scalar(c), high >= 0 {
                    return (m[0], [r[0]], .clip(low: 0, high: high))
                }
                return (r[0], [], activation)
            } else if r.count == 2, let s = r.first(where: { graph.nodes[$0].opType == "Sigmoid" }),
                      let m = r.first(where: { $0 != s }), !taken.contains(s), !taken.contains(m) {
                let sigmoid = graph.nodes[s]
                guard sigmoid.inputs == [out], let sOut = sigmoid.outputs.first, soleReader(sOut) == m,
                      isProduct(graph.nodes[m], of: out, and: sOut) else { return nil }
                return (m, [s], .silu)
            }
            return nil
        }
        /// `Conv → Mul → Add` with per-channel constants (a lowered BatchNormalization) after the
        /// Conv node `index` whose output is `out`: the affine, the `Add` node and the `Mul` node.
        func affine(after index: Int, _ out: String) -> (ChannelAffine, add: Int, mul: Int)? {
            let conv = graph.nodes[index]
            guard conv.opType == "Conv", let m = soleReader(out), !taken.contains(m),
                  let mOut = graph.nodes[m].outputs.first, let a = soleReader(mOut), !taken.contains(a),
                  let weight = conv.input(1).flatMap(constant), weight.rank >= 3,
                  let affine = ChannelAffine(x: out, mul: graph.nodes[m], add: graph.nodes[a], channels: weight.shape[0],
                                             rank: weight.rank, constant: constant) else { return nil }
            return (affine, a, m)
        }
        /// Position of each step, and the step producing each value, to know what a head can read.
        let stepOf = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        var producedAt: [String: Int] = [:]
        for (position, index) in steps.enumerated() {
            for name in graph.nodes[index].outputs where !name.isEmpty { producedAt[name] = position }
        }
        /// `Add(out, r)` or `Add(r, out)` (or a `Sum` of those two, as the Keras importer writes Keras'
        /// Add layer) reading the output `out` of the Conv node `head` alone, with
        /// r a value computed before the head's step (or fed) and not a constant: the Add node, r,
        /// and whether `out` is the first operand.
        func residual(after out: String, head: Int) -> (add: Int, ResidualAdd)? {
            guard graph.nodes[head].opType == "Conv", let a = soleReader(out), !taken.contains(a) else { return nil }
            let add = graph.nodes[a]
            guard add.opType == "Add" || add.opType == "Sum", add.inputs.count == 2, add.inputs.filter({ $0 == out }).count == 1,
                  let other = add.inputs.first(where: { $0 != out }), !other.isEmpty, constant(other) == nil,
                  let headStep = stepOf[head], (producedAt[other].map { $0 < headStep } ?? true) else { return nil }
            return (a, ResidualAdd(residual: other, convolutionFirst: add.inputs[0] == out))
        }
        /// The float32 scalar (rank 0, so that it broadcasts to nothing) `name` holds before running.
        func scalar(_ name: String) -> Float? {
            guard let t = constant(name), t.dtype == .float32, t.rank == 0 else { return nil }
            return t.pointer(as: Float.self)[0]
        }
        /// The depthwise Conv reading the output of node `tail` alone, after the Conv node `head` with
        /// stride 1 and no padding (the shapes, a 1×1 weight among them, are checked as it runs,
        /// which runs the two apart where they do not fit): the depthwise node, the tail of the
        /// chain it heads, what that elides, and its activation. Only constant weights: the bands
        /// read them for every row.
        func depthwise(after tail: Int, head: Int)
            -> (Int, tail: Int, elided: [Int], affine: ChannelAffine?, activation: FusedActivation?)? {
            let window = graph.nodes[head].opType == "Conv" ? (kernels[head] as? ConvKernel)?.attributes.window : nil
            guard let window, (kernels[head] as? ConvKernel)?.group == 1, window.strides?.allSatisfy({ $0 == 1 }) ?? true,
                  window.pads?.allSatisfy({ $0 == 0 }) ?? true, window.kernelShape?.allSatisfy({ $0 == 1 }) ?? true,
                  graph.nodes[head].inputs.dropFirst().allSatisfy({ $0.isEmpty || constant($0) != nil }),
                  let out = graph.nodes[tail].outputs.first, let d = soleReader(out), !taken.contains(d),
                  graph.nodes[d].opType == "Conv", let conv = kernels[d] as? ConvKernel, conv.group > 1,
                  graph.nodes[d].inputs.first == out, graph.nodes[d].inputs.count >= 2,
                  graph.nodes[d].inputs.dropFirst().allSatisfy({ $0.isEmpty || constant($0) != nil }),
                  let dOut = graph.nodes[d].outputs.first, !dOut.isEmpty,
                  graph.nodes[d].outputs.dropFirst().allSatisfy(\.isEmpty) else { return nil }
            if let (affine, a, m) = affine(after: d, dOut), let aOut = graph.nodes[a].outputs.first {
                if let (t, elided, activation) = activation(after: aOut) { return (d, t, [m, a] + elided, affine, activation) }
                return (d, a, [m], affine, nil)
            }
            if let (t, elided, activation) = activation(after: dOut) { return (d, t, elided, nil, activation) }
            return (d, d, [], nil, nil)
        }
        /// PyTorch's erf GELU from its `Div` node: `Div(x, c) → Erf → Add(·, 1) → Mul(x, ·) → Mul(·, k)`
        /// with scalar constants, every value inside read by the next node alone. The Erf, Add and
        /// first Mul nodes (elided), the last Mul (the tail), c and k.
        func erfGelu(at index: Int) -> (elided: [Int], tail: Int, divisor: Float, factor: Float)? {
            let div = graph.nodes[index]
            guard div.opType == "Div", div.inputs.count == 2, let x = div.inputs.first, !x.isEmpty,
                  let divisor = scalar(div.inputs[1]), let d = div.outputs.first,
                  let e = soleReader(d), !taken.contains(e), graph.nodes[e].opType == "Erf", graph.nodes[e].inputs == [d],
                  let eOut = graph.nodes[e].outputs.first, let a = soleReader(eOut), !taken.contains(a),
                  graph.nodes[a].opType == "Add", graph.nodes[a].inputs.count == 2,
                  let one = graph.nodes[a].inputs.first(where: { $0 != eOut }), scalar(one) == 1,
                  let aOut = graph.nodes[a].outputs.first, let m = soleReader(aOut), !taken.contains(m),
                  isProduct(graph.nodes[m], of: x, and: aOut), let mOut = graph.nodes[m].outputs.first,
                  let k = soleReader(mOut), !taken.contains(k), graph.nodes[k].opType == "Mul", graph.nodes[k].inputs.count == 2,
                  let half = graph.nodes[k].inputs.first(where: { $0 != mOut }), let factor = scalar(half)
            else { return nil }
            return ([e, a, m], k, divisor, factor)
        }
        for index in steps where !taken.contains(index) {
            let node = graph.nodes[index]
            if let quantized, let pattern = QuantizedPattern(op: index, in: quantized),
               !([pattern.tail] + pattern.deferred + (pattern.clip.map { [$0] } ?? [])).contains(where: taken.contains) {
                let elided = pattern.deferred + (pattern.clip.map { [$0] } ?? [])
                add(Group(head: index, tail: pattern.tail, elided: elided, activation: nil, headRunsKernel: false,
                          quantized: pattern.fusion), to: &taken)
                for name in pattern.fusion.valueInputs { heldUntil[name] = max(heldUntil[name] ?? 0, position[index]!) }
                continue
            }
            guard let out = node.outputs.first, !out.isEmpty, node.outputs.dropFirst().allSatisfy(\.isEmpty) else { continue }
            if kernels[index] is any ActivationFusing {
                if let (affine, a, m) = affine(after: index, out), let aOut = graph.nodes[a].outputs.first,
                   let (r, residual) = residual(after: aOut, head: index), let rOut = graph.nodes[r].outputs.first {
                    var group: Group
                    if let (tail, elided, activation) = activation(after: rOut) {
                        group = Group(head: index, tail: tail, elided: [m, a, r] + elided, activation: activation, headRunsKernel: true,
                                      affine: affine)
                    } else {
                        group = Group(head: index, tail: r, elided: [m, a], activation: nil, headRunsKernel: true, affine: affine)
                    }
                    group.residual = residual
                    add(group, to: &taken)
                } else if let (affine, a, m) = affine(after: index, out), let aOut = graph.nodes[a].outputs.first {
                    if let (tail, elided, activation) = activation(after: aOut) {
                        var group = Group(head: index, tail: tail, elided: [m, a] + elided, activation: activation, headRunsKernel: true,
                                          affine: affine)
                        if let (d, dTail, dElided, dAffine, dActivation) = depthwise(after: tail, head: index) {
                            group = Group(head: index, tail: dTail, elided: [m, a] + elided + [tail] + (dTail == d ? [] : [d]) + dElided,
                                          activation: activation, headRunsKernel: true, affine: affine)
                            group.depthwise = PointwiseDepthwise(depthwise: d, activation: dActivation, affine: dAffine)
                        }
                        add(group, to: &taken)
                    } else {
                        add(Group(head: index, tail: a, elided: [m], activation: nil, headRunsKernel: true, affine: affine), to: &taken)
                    }
                } else if let (tail, elided, activation) = activation(after: out) {
                    var group = Group(head: index, tail: tail, elided: elided, activation: activation, headRunsKernel: true)
                    if let (d, dTail, dElided, dAffine, dActivation) = depthwise(after: tail, head: index) {
                        group = Group(head: index, tail: dTail, elided: elided + [tail] + (dTail == d ? [] : [d]) + dElided,
                                      activation: activation, headRunsKernel: true)
                        group.depthwise = PointwiseDepthwise(depthwise: d, activation: dActivation, affine: dAffine)
                    }
                    add(group, to: &taken)
                } else if let (r, residual) = residual(after: out, head: index), let rOut = graph.nodes[r].outputs.first {
                    var group: Group
                    if let (tail, elided, activation) = activation(after: rOut) {
                        group = Group(head: index, tail: tail, elided: [r] + elided, activation: activation, headRunsKernel: true)
                    } else {
                        group = Group(head: index, tail: r, elided: [], activation: nil, headRunsKernel: true)
                    }
                    group.residual = residual
                    add(group, to: &taken)
                }
            } else if node.opType == "MatMul", kernels[index] is MatMulKernel, let a = soleReader(out), !taken.contains(a),
                      let bias = ColumnBias(add: graph.nodes[a], product: out, constant: constant) {
                add(Group(head: index, tail: a, elided: [], activation: nil, headRunsKernel: true, columnBias: bias), to: &taken)
            } else if let gelu = erfGelu(at: index) {
                add(Group(head: index, tail: gelu.tail, elided: gelu.elided, activation: .geluErf(divisor: gelu.divisor, factor: gelu.factor),
                          headRunsKernel: false), to: &taken)
            } else if node.opType == "Sigmoid", let x = node.inputs.first, !x.isEmpty,
                      let m = soleReader(out), !taken.contains(m), isProduct(graph.nodes[m], of: x, and: out) {
                add(Group(head: index, tail: m, elided: [], activation: .silu, headRunsKernel: false), to: &taken)
            }
        }
    }

    /// What `QuantizedPattern` reads about this run; nil when the graph has no `DequantizeLinear`.
    private static func quantizedContext(graph: Graph, steps: [Int], readers: [String: [Int]], targets: Set<String>,
                                         constant: @escaping (String) -> Tensor?) -> QuantizedPattern.Context? {
        guard graph.nodes.contains(where: { $0.opType == "DequantizeLinear" }) else { return nil }
        var producers: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for name in node.outputs where !name.isEmpty { producers[name] = index }
        }
        return QuantizedPattern.Context(graph: graph, readers: readers, producers: producers, steps: Set(steps),
                                        requested: targets, constant: constant)
    }

    /// `releases` (per step, the values freed after it) with the values a quantized group reads
    /// kept until its head's step.
    func releases(adjusting releases: [[String]]) -> [[String]] {
        guard !heldUntil.isEmpty else { return releases }
        var adjusted = releases
        for (step, names) in releases.enumerated() {
            for name in names {
                guard let until = heldUntil[name], until > step else { continue }
                adjusted[step].removeAll { $0 == name }
                adjusted[until].append(name)
            }
        }
        return adjusted
    }

    private mutating func add(_ group: Group, to taken: inout Set<Int>) {
        groups[group.head] = group
        for e in group.elided { elidedBy[e] = group.head }
        taken.formUnion([group.head, group.tail] + group.elided)
    }
}
