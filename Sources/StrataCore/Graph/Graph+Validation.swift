extension Graph {
    /// Producer node index for every value a node outputs.
    public func producers() throws -> [String: Int] {
        var producer: [String: Int] = [:]
        for (i, node) in nodes.enumerated() {
            for out in node.outputs where !out.isEmpty {
                if let other = producer[out] {
                    throw StrataError(.invalidModel, "output '\(out)' is also produced by node '\(nodes[other].name)'",
                                      at: node.location)
                }
                if initializers[out] != nil || inputs.contains(where: { $0.name == out }) {
                    throw StrataError(.invalidModel, "output '\(out)' redefines a graph input or initializer", at: node.location)
                }
                producer[out] = i
            }
        }
        return producer
    }

    /// Node indices in an order where every node follows the producers of its inputs (and of the
    /// outer values its subgraphs read). Checks names, dangling inputs and cycles on the way, and
    /// the same in every subgraph.
    public func topologicalOrder() throws -> [Int] {
        try topologicalOrder(available: [], outputs: outputs.map(\.name))
    }

    /// `topologicalOrder()` for a graph that may also read `available` (a subgraph's formal inputs
    /// and outer values) and must produce `outputs`.
    func topologicalOrder(available extra: Set<String>, outputs: [String]) throws -> [Int] {
        var seenNames = Set<String>()
        for node in nodes {
            if node.name.isEmpty { throw StrataError(.invalidModel, "a node has an empty name", at: node.location) }
            if !seenNames.insert(node.name).inserted {
                throw StrataError(.invalidModel, "node name is used twice", at: node.location)
            }
        }
        let producer = try producers()
        let available = Set(inputs.map(\.name)).union(initializers.keys).union(extra)
        var indegree = [Int](repeating: 0, count: nodes.count)
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() {
            for (_, body) in node.subgraphs {
                do {
                    _ = try body.topologicalOrder()
                } catch let error as StrataError {
                    throw error.located(node.location)
                }
            }
            for input in node.inputs + node.implicitInputs where !input.isEmpty {
                if let p = producer[input] {
                    indegree[i] += 1
                    consumers[p].append(i)
                } else if !available.contains(input) {
                    throw StrataError(.invalidModel, "input '\(input)' is not produced by any node, graph input or initializer",
                                      at: node.location)
                }
            }
        }
        var ready = (0..<nodes.count).filter { indegree[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        // A stack of ready nodes, seeded in file order, keeps the result close to the file's order.
        while let i = ready.popLast() {
            order.append(i)
            for c in consumers[i].reversed() {
                indegree[c] -= 1
                if indegree[c] == 0 { ready.append(c) }
            }
        }
        if order.count != nodes.count {
            let stuck = (0..<nodes.count).first { indegree[$0] > 0 }!
            throw StrataError(.invalidModel, "the graph has a cycle through this node", at: nodes[stuck].location)
        }
        for out in outputs where producer[out] == nil && !available.contains(out) {
            throw StrataError(.invalidModel, "graph output '\(out)' is not produced by any node")
        }
        return order
    }
}
