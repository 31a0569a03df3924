import StrataCore

/// The nodes one run executes and when each computed value can be freed.
struct ExecutionPlan: Sendable {
    /// Node indices to run, in order.
    let steps: [Int]
    /// Per step, the computed values whose last consumer is that step.
    let releases: [[String]]
    /// Computed values some later step reads (the others are not kept after their step).
    let consumed: Set<String>

    /// Plans computing `targets` when the values in `available` need no computing.
    /// Throws `.invalidInput` for a target nothing produces.
    init(graph: Graph, order: [Int], producers: [String: Int], targets: [String],
         available: (String) -> Bool) throws {
        var needed = Set<Int>()
        var pending: [String] = []
        for name in targets where !available(name) {
            guard producers[name] != nil else {
                throw StrataError(.invalidInput, "no tensor named '\(name)' in the graph")
            }
            pending.append(name)
        }
        while let name = pending.popLast() {
            guard !available(name), let p = producers[name], needed.insert(p).inserted else { continue }
            pending.append(contentsOf: graph.nodes[p].inputs.filter { !$0.isEmpty })
        }
        steps = order.filter { needed.contains($0) }
        var lastUse: [String: Int] = [:]
        for (step, index) in steps.enumerated() {
            for name in graph.nodes[index].inputs where !name.isEmpty && !available(name) { lastUse[name] = step }
        }
        var releases = [[String]](repeating: [], count: steps.count)
        for (name, step) in lastUse { releases[step].append(name) }
        self.releases = releases
        consumed = Set(lastUse.keys)
    }
}
