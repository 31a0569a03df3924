import StrataCore

/// The backward half of a gradient run: which nodes' rules run, which of their inputs need
/// gradients, and which forward values the rules read (the forward pass keeps exactly those).
///
/// A node's rule runs when the node is needed for the score and one of its inputs depends on a
/// tensor whose gradient was asked for; nothing else is differentiated. Ops whose outputs carry no
/// gradient (`GradientExemption.Kind.zero`) stop the flow.
struct BackwardPlan: Sendable {
    /// Node indices whose rules run, in forward order (the backward pass walks them in reverse).
    let nodes: [Int]
    /// Per planned node, whether each input needs a gradient.
    let wanted: [Int: [Bool]]
    /// Per planned node, the forward values its rule reads.
    let saved: [Int: SavedValues]
    /// The forward values to keep, with how many rules read each.
    let keep: [String: Int]
    /// Every value a gradient flows through (the requested tensors and what depends on them).
    let flowing: Set<String>

    init(graph: Graph, order: [Int], producers: [String: Int], kernels: [any Kernel], score: String,
         respectTo: [String], isConstant: (String) -> Bool) throws {
        var ancestors = Set<Int>()
        var pending = [score]
        while let name = pending.popLast() {
            guard !isConstant(name), let p = producers[name], ancestors.insert(p).inserted else { continue }
            pending.append(contentsOf: graph.nodes[p].inputs.filter { !$0.isEmpty })
        }
        var flowing = Set(respectTo.filter { !isConstant($0) })
        var nodes: [Int] = []
        var wanted: [Int: [Bool]] = [:]
        var saved: [Int: SavedValues] = [:]
        var keep: [String: Int] = [:]
        for index in order where ancestors.contains(index) {
            let node = graph.nodes[index]
            let flags = node.inputs.map { !$0.isEmpty && flowing.contains($0) }
            guard flags.contains(true) else { continue }
            let exemption = KernelRegistry.withoutGradient[node.opType]
            if exemption?.kind == .zero { continue }
            guard exemption == nil, let kernel = kernels[index] as? any DifferentiableKernel else {
                let through = zip(node.inputs, flags).first { $0.1 }!.0
                let reason = exemption.map { " (\($0.reason))" } ?? ""
                throw StrataError(.unsupported,
                                  "op '\(node.opType)' has no backward rule\(reason); the gradient with respect to '\(through)' passes through it",
                                  at: node.location)
            }
            nodes.append(index)
            wanted[index] = flags
            let values = kernel.savedForBackward(wanted: flags)
            saved[index] = values
            for i in values.inputs where i < node.inputs.count && !node.inputs[i].isEmpty { keep[node.inputs[i], default: 0] += 1 }
            for i in values.outputs where i < node.outputs.count && !node.outputs[i].isEmpty { keep[node.outputs[i], default: 0] += 1 }
            for name in node.outputs where !name.isEmpty { flowing.insert(name) }
        }
        self.nodes = nodes
        self.wanted = wanted
        self.saved = saved
        self.keep = keep
        self.flowing = flowing
    }
}
