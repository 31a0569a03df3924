/// A graph rewrite that moves `Transpose` nodes downstream through layout-agnostic ops and merges
/// or cancels consecutive ones, for writing lean files (a Keras graph lowered with a transpose pair
/// around every channels-first op becomes channels-first inside, with transposes only where the
/// layout really changes). The graph computes the same outputs; it is meant for export, not for
/// the engine, whose captured tensors keep their names.
///
/// Values that disappear (a transposed activation that is now only held channels-first) stay
/// capturable: `rows` maps every capture row to the tensor that holds it and, when that tensor is
/// in another layout, the permutation that turns it back (`source = transpose(tensor, perm)`).
public struct TransposeSinking {
    /// One capture row of the rewritten graph.
    public struct Row: Sendable, Hashable {
        public var row: LayerOutput
        /// nil when `row.tensor` holds the activation as the source computes it.
        public var perm: [Int]?

        public init(row: LayerOutput, perm: [Int]?) {
            self.row = row
            self.perm = perm
        }
    }

    public private(set) var graph: Graph
    public private(set) var rows: [Row] = []

    /// value → (value it is a transpose of, perm): `value = transpose(source, perm)`.
    private var aliases: [String: (source: String, perm: [Int])] = [:]
    private var usedNames: Set<String> = []

    /// Elementwise ops whose every input may be in any layout as long as all agree.
    static let elementwise: Set<String> = [
        "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus",
        "Softsign", "Exp", "Log", "Neg", "Abs", "Sqrt", "Reciprocal", "Erf", "Mish", "Gelu", "Identity", "Cast",
        "Floor", "Ceil", "Round", "Sign", "Not", "Sin", "Cos", "ThresholdedRelu", "Shrink",
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "PRelu", "Where",
        "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "BitShift", "Mod",
    ]

    /// Rewrites `graph`; its capture table (`captureTable`) is carried into `rows`.
    public init(_ graph: Graph) {
        self.graph = graph
        for node in graph.nodes {
            usedNames.insert(node.name)
            usedNames.formUnion(node.inputs)
            usedNames.formUnion(node.outputs)
        }
        usedNames.formUnion(graph.initializers.keys)
        usedNames.formUnion(graph.inputs.map(\.name))
        let table = graph.captureTable
        var changed = true
        while changed {
            changed = false
            if mergeTransposes() { changed = true }
            if sinkOnce() { changed = true }
            if removeDeadTransposes() { changed = true }
        }
        var produced = Set(self.graph.inputs.map(\.name)).union(self.graph.initializers.keys)
        for node in self.graph.nodes { produced.formUnion(node.outputs) }
        rows = table.map { resolve($0, produced: produced) }
    }

    // MARK: - Rewrites

    /// Transpose(Transpose(x)) → one Transpose (or nothing when the perms cancel).
    private mutating func mergeTransposes() -> Bool {
        let producers = producerIndex()
        let outputs = Set(graph.outputs.map(\.name))
        var changed = false
        for i in graph.nodes.indices where graph.nodes[i].opType == "Transpose" {
            let node = graph.nodes[i]
            guard let inner = node.input(0), let p = producers[inner], graph.nodes[p].opType == "Transpose",
                  let outer = perm(node), let first = perm(graph.nodes[p]), outer.count == first.count,
                  let source = graph.nodes[p].input(0)
            else { continue }
            let combined = outer.map { first[$0] }
            let out = node.outputs[0]
            aliases[out] = (source, combined)
            if combined == Array(0 ..< combined.count), !outputs.contains(out) {
                replaceUses(of: out, with: source)
                graph.nodes[i].inputs = []
                graph.nodes[i].outputs = [""]
            } else if combined == Array(0 ..< combined.count) {
                graph.nodes[i].opType = "Identity"
                graph.nodes[i].attributes = [:]
                graph.nodes[i].inputs = [source]
            } else {
                graph.nodes[i].inputs = [source]
                graph.nodes[i].attributes["perm"] = .ints(combined)
            }
            changed = true
        }
        if changed { graph.nodes.removeAll { $0.inputs.isEmpty && $0.outputs == [""] } }
        return changed
    }

    /// Moves the first transpose that can go below its consumer there; true when one moved.
    private mutating func sinkOnce() -> Bool {
        let producers = producerIndex()
        let consumers = consumerIndex()
        let graphOutputs = Set(graph.outputs.map(\.name))
        for i in graph.nodes.indices {
            let node = graph.nodes[i]
            guard sinkable(node), node.outputs.count == 1, !node.outputs[0].isEmpty else { continue }
            let slots = layoutInputs(node)
            // All transposed inputs must share one perm; the rest must be constants that can follow.
            var shared: [Int]?
            var transposedSlots: [Int] = []
            for slot in slots {
                guard let p = producers[node.inputs[slot]], graph.nodes[p].opType == "Transpose",
                      let q = perm(graph.nodes[p]) else { continue }
                if shared == nil { shared = q }
                guard shared == q else { shared = nil; transposedSlots = []; break }
                transposedSlots.append(slot)
            }
            guard let permutation = shared, !transposedSlots.isEmpty else { continue }
            // The transposes must end up unused, or moving them would add nodes, not remove them.
            let allMove = transposedSlots.allSatisfy { slot in
                let value = node.inputs[slot]
                return !graphOutputs.contains(value) && (consumers[value] ?? []).allSatisfy { c in
                    c == i || graph.nodes[c].opType == "Transpose" || sinkable(graph.nodes[c])
                }
            }
            guard allMove else { continue }
            var rewritten = node
            var extraInitializers: [String: Tensor] = [:]
            var possible = true
            for slot in slots {
                let value = node.inputs[slot]
                if transposedSlots.contains(slot) {
                    rewritten.inputs[slot] = graph.nodes[producers[value]!].inputs[0]
                } else if let constant = graph.initializers[value] {
                    // A constant too large to copy under the memory limit just stays where it is.
                    guard let moved = (try? Self.untransposed(constant, perm: permutation)) ?? nil else { possible = false; break }
                    if moved.shape != constant.shape {
                        let name = unique("\(value)/transposed")
                        extraInitializers[name] = moved
                        rewritten.inputs[slot] = name
                    }
                } else {
                    possible = false
                    break
                }
            }
            if node.opType == "Concat" {
                guard let axis = (try? node.typed(ConcatAttributes.self))?.axis, axis >= -permutation.count, axis < permutation.count else { continue }
                rewritten.attributes["axis"] = .int(permutation[axis < 0 ? axis + permutation.count : axis])
            }
            guard possible else { continue }
            for (name, tensor) in extraInitializers { graph.initializers[name] = tensor }
            let out = node.outputs[0]
            let moved = unique("\(out)/transposed")
            rewritten.outputs = [moved]
            let transpose = Node(name: unique("\(node.name)/Transpose"), opType: "Transpose", opset: node.opset,
                                 inputs: [moved], outputs: [out], attributes: ["perm": .ints(permutation)], source: node.source)
            aliases[out] = (moved, permutation)
            graph.nodes[i] = rewritten
            graph.nodes.insert(transpose, at: i + 1)
            return true
        }
        return false
    }

    /// Drops transposes nothing reads.
    private mutating func removeDeadTransposes() -> Bool {
        var read = Set(graph.outputs.map(\.name))
        for node in graph.nodes { read.formUnion(node.inputs) }
        var kept: [Node] = []
        kept.reserveCapacity(graph.nodes.count)
        for node in graph.nodes {
            if node.opType == "Transpose", let out = node.outputs.first, !read.contains(out) {
                if let source = node.input(0), let p = perm(node) { aliases[out] = (source, p) }
            } else {
                kept.append(node)
            }
        }
        let changed = kept.count != graph.nodes.count
        graph.nodes = kept
        return changed
    }

    // MARK: - Helpers

    private func sinkable(_ node: Node) -> Bool {
        node.domain.isEmpty && (Self.elementwise.contains(node.opType) || node.opType == "Concat" || node.opType == "Clip")
    }

    /// The inputs that carry activations (and so take the layout); others must be scalars.
    private func layoutInputs(_ node: Node) -> [Int] {
        if node.opType == "Clip" {
            let scalarsOnly = node.inputs.dropFirst().allSatisfy { $0.isEmpty || (graph.initializers[$0]?.rank ?? 1) == 0 }
            return scalarsOnly ? [0] : []
        }
        return node.inputs.indices.filter { !node.inputs[$0].isEmpty }
    }

    private func perm(_ node: Node) -> [Int]? {
        guard let p = (try? node.typed(TransposeAttributes.self))?.perm, Set(p) == Set(0 ..< p.count) else { return nil }
        return p
    }

    private func producerIndex() -> [String: Int] {
        var map: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() {
            for out in node.outputs where !out.isEmpty { map[out] = i }
        }
        return map
    }

    private func consumerIndex() -> [String: [Int]] {
        var map: [String: [Int]] = [:]
        for (i, node) in graph.nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty { map[input, default: []].append(i) }
        }
        return map
    }

    private mutating func replaceUses(of value: String, with replacement: String) {
        for i in graph.nodes.indices {
            for j in graph.nodes[i].inputs.indices where graph.nodes[i].inputs[j] == value {
                graph.nodes[i].inputs[j] = replacement
            }
        }
    }

    private mutating func unique(_ base: String) -> String {
        var name = base
        var suffix = 1
        while usedNames.contains(name) {
            name = "\(base)_\(suffix)"
            suffix += 1
        }
        usedNames.insert(name)
        return name
    }

    /// The tensor holding a capture row now, and how to permute it back.
    private func resolve(_ row: LayerOutput, produced: Set<String>) -> Row {
        var tensor = row.tensor
        var permutation: [Int]?
        while !produced.contains(tensor), let alias = aliases[tensor] {
            // tensor = transpose(source, p) and the row = transpose(tensor, permutation).
            let outer = permutation ?? Array(0 ..< alias.perm.count)
            permutation = outer.map { alias.perm[$0] }
            tensor = alias.source
        }
        if let p = permutation, p == Array(0 ..< p.count) { permutation = nil }
        var moved = row
        moved.tensor = tensor
        return Row(row: moved, perm: permutation)
    }

    /// The constant `c` such that `transpose(c, perm)` broadcasts like `constant` did (its shape
    /// padded with leading ones to the perm's rank); nil when the constant has a higher rank.
    static func untransposed(_ constant: Tensor, perm: [Int]) throws -> Tensor? {
        let rank = perm.count
        guard constant.rank <= rank else { return nil }
        if constant.count == 1 || constant.rank == 0 { return constant }
        let padded = Array(repeating: 1, count: rank - constant.rank) + constant.shape
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return try constant.reshaped(padded).permuted(inverse)
    }
}
