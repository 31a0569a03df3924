import StrataCore

extension Diagram {
    /// The part of the diagram between two boxes: everything downstream of `from` (inclusive)
    /// that is also upstream of `to` (inclusive); either bound may be absent.
    /// Names are matched against layer boxes first, then graph inputs and outputs, then the last
    /// part of nested layer names.
    public func restricted(from: String?, to: String?) throws -> Diagram {
        var forward = [[Int]](repeating: [], count: boxes.count)
        var backward = [[Int]](repeating: [], count: boxes.count)
        for edge in edges {
            forward[edge.from].append(edge.to)
            backward[edge.to].append(edge.from)
        }
        var keep = [Bool](repeating: true, count: boxes.count)
        if let from {
            let reached = reach(try box(named: from), along: forward)
            for i in keep.indices { keep[i] = keep[i] && reached[i] }
        }
        if let to {
            let reached = reach(try box(named: to), along: backward)
            for i in keep.indices { keep[i] = keep[i] && reached[i] }
        }
        guard keep.contains(true) else {
            throw StrataError(.invalidInput, "layer '\(to ?? "")' is not downstream of layer '\(from ?? "")'")
        }
        var newIndex = [Int?](repeating: nil, count: boxes.count)
        var kept: [Box] = []
        for (i, box) in boxes.enumerated() where keep[i] {
            newIndex[i] = kept.count
            kept.append(box)
        }
        let keptEdges = edges.compactMap { edge -> Edge? in
            guard let a = newIndex[edge.from], let b = newIndex[edge.to] else { return nil }
            return Edge(from: a, to: b, value: edge.value, type: edge.type)
        }
        return Diagram(boxes: kept, edges: keptEdges)
    }

    private func box(named name: String) throws -> Int {
        if let i = boxes.firstIndex(where: { $0.role == .layer && $0.name == name }) { return i }
        if let i = boxes.firstIndex(where: { $0.role != .weight && $0.name == name }) { return i }
        // A nested layer by its own name (`dense` for `encoder/dense`) when that is unambiguous.
        let nested = boxes.indices.filter {
            boxes[$0].role == .layer && !boxes[$0].cluster.isEmpty && DOTWriter.displayName(boxes[$0]) == name
        }
        if nested.count == 1 { return nested[0] }
        throw StrataError(.invalidInput, "no layer named '\(name)' (`strata layers` lists them)")
    }

    private func reach(_ start: Int, along adjacency: [[Int]]) -> [Bool] {
        var seen = [Bool](repeating: false, count: adjacency.count)
        var stack = [start]
        seen[start] = true
        while let i = stack.popLast() {
            for j in adjacency[i] where !seen[j] {
                seen[j] = true
                stack.append(j)
            }
        }
        return seen
    }
}
