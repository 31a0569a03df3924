import StrataAnalysis
import StrataCore

/// A graph's values in a topological order of its nodes, which values depend on the inputs, and
/// the nearest activations each value is computed from.
struct GraphOrder {
    /// Graph inputs, then node outputs in topological order.
    let tensors: [String]
    /// Index of each value in `tensors`.
    let position: [String: Int]
    /// The node producing each output.
    let producer: [String: Int]
    /// Node indices in topological order (nodes in a cycle are left out).
    let nodeOrder: [Int]
    /// Values computed from a runtime input.
    let fromInputs: Set<String>

    init(_ graph: Graph) {
        var producer: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() { for out in node.outputs where !out.isEmpty { producer[out] = i } }
        var pending = [Int](repeating: 0, count: graph.nodes.count)
        var readers: [Int: [Int]] = [:]
        for (i, node) in graph.nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty {
                if let p = producer[input], p != i {
                    pending[i] += 1
                    readers[p, default: []].append(i)
                }
            }
        }
        var order: [Int] = []
        var ready = graph.nodes.indices.filter { pending[$0] == 0 }.reversed() as [Int]
        while let i = ready.popLast() {
            order.append(i)
            for r in (readers[i] ?? []).reversed() {
                pending[r] -= 1
                if pending[r] == 0 { ready.append(r) }
            }
        }
        var tensors = graph.runtimeInputs.map(\.name)
        var fromInputs = Set(tensors)
        for i in order {
            let node = graph.nodes[i]
            let live = node.inputs.contains { fromInputs.contains($0) }
            for out in node.outputs where !out.isEmpty {
                tensors.append(out)
                if live { fromInputs.insert(out) }
            }
        }
        var position: [String: Int] = [:]
        for (i, t) in tensors.enumerated() where position[t] == nil { position[t] = i }
        self.tensors = tensors
        self.position = position
        self.producer = producer
        nodeOrder = order
        self.fromInputs = fromInputs
    }

    /// The tensor `tensor` is a pure relayout of: followed back through Transpose, Reshape,
    /// Flatten, Squeeze, Unsqueeze and Identity nodes (their first input), while computed from the inputs.
    func anchor(_ tensor: String, in graph: Graph) -> String {
        let relayouts: Set<String> = ["Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"]
        var current = tensor
        var steps = 0
        while steps < graph.nodes.count, let p = producer[current], relayouts.contains(graph.nodes[p].opType),
              let source = graph.nodes[p].inputs.first, fromInputs.contains(source) {
            current = source
            steps += 1
        }
        return current
    }

    /// Fills each activation's `inputs`: `tensors[k]` holds activation k; activations sharing a tensor are chained.
    func link(_ activations: inout [ComparedActivation], tensors: [String], graph: Graph) {
        var holders: [String: [Int]] = [:]
        for (k, t) in tensors.enumerated() { holders[t, default: []].append(k) }
        var frontier: [String: Set<Int>] = [:]
        func settle(_ tensor: String, _ upstream: Set<Int>) {
            guard let ks = holders[tensor] else {
                frontier[tensor] = upstream
                return
            }
            var previous = upstream
            for k in ks {
                activations[k].inputs = previous.filter { $0 < k }.sorted()
                previous = [k]
            }
            frontier[tensor] = previous
        }
        for input in graph.runtimeInputs { settle(input.name, []) }
        for i in nodeOrder {
            let node = graph.nodes[i]
            var upstream: Set<Int> = []
            for input in node.inputs { if let f = frontier[input] { upstream.formUnion(f) } }
            for out in node.outputs where !out.isEmpty { settle(out, upstream) }
        }
    }
}
