import StrataCore

extension Graph {
    /// The capture-table rows `selectors` pick, in table order and without duplicates.
    ///
    /// `.name` picks every row of that layer, or failing that every row holding that tensor;
    /// `.glob` every row whose layer name matches; `.all` every row. A selector that picks
    /// nothing is an `.invalidInput` error naming the closest layer names.
    public func resolve(_ selectors: [LayerSelector]) throws -> [LayerOutput] {
        let table = captureTable
        var picked = [Bool](repeating: false, count: table.count)
        for selector in selectors {
            var any = false
            switch selector {
            case .all:
                for i in table.indices { picked[i] = true }
                any = !table.isEmpty
            case .name(let name):
                var rows = table.indices.filter { table[$0].layer == name }
                if rows.isEmpty { rows = table.indices.filter { table[$0].tensor == name } }
                for i in rows { picked[i] = true }
                any = !rows.isEmpty
            case .glob(let pattern):
                for i in table.indices where LayerSelector.globMatches(pattern, table[i].layer) {
                    picked[i] = true
                    any = true
                }
            }
            if !any { throw noMatch(selector, table) }
        }
        return table.indices.filter { picked[$0] }.map { table[$0] }
    }

    private func noMatch(_ selector: LayerSelector, _ table: [LayerOutput]) -> StrataError {
        switch selector {
        case .all:
            return StrataError(.invalidInput, "the model has no layers to capture")
        case .glob(let pattern):
            return StrataError(.invalidInput, "no layer matches '\(pattern)'")
        case .name(let name):
            var layers: [String] = []
            var seen = Set<String>()
            for row in table where seen.insert(row.layer).inserted { layers.append(row.layer) }
            let closest = Graph.closest(to: name, among: layers, count: 3)
            let suffix = closest.isEmpty ? "" : "; closest: " + closest.joined(separator: ", ")
            return StrataError(.invalidInput, "no layer or tensor named '\(name)'\(suffix)")
        }
    }

    /// The `count` candidates with the smallest edit distance to `name`; ties keep candidate order.
    static func closest(to name: String, among candidates: [String], count: Int) -> [String] {
        let target = Array(name.lowercased())
        let scored = candidates.enumerated().map { (offset, c) in
            (distance: editDistance(target, Array(c.lowercased())), offset: offset, name: c)
        }
        return scored.sorted { ($0.distance, $0.offset) < ($1.distance, $1.offset) }.prefix(count).map(\.name)
    }

    /// Levenshtein distance: insertions, deletions and substitutions each cost 1.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...max(b.count, 1) where j <= b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
