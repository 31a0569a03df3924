/// The subgraphs a node holds (control flow) and the outer values they read.
extension Node {
    /// Every subgraph attribute's graphs, by attribute name order.
    public var subgraphs: [(attribute: String, body: Subgraph)] {
        var result: [(attribute: String, body: Subgraph)] = []
        for name in attributes.keys.sorted() {
            switch attributes[name]! {
            case .graph(let g): result.append((name, g))
            case .graphs(let list): result.append(contentsOf: list.map { (name, $0) })
            default: continue
            }
        }
        return result
    }

    /// Values of the enclosing graph this node's subgraphs read, in a fixed order; empty for a
    /// node without subgraphs. They are inputs of the node as far as ordering and lifetimes go.
    public var implicitInputs: [String] {
        guard attributes.values.contains(where: { if case .graph = $0 { return true }; if case .graphs = $0 { return true }; return false })
        else { return [] }
        var seen = Set<String>()
        var names: [String] = []
        for (_, body) in subgraphs {
            for name in body.outerReferences where seen.insert(name).inserted { names.append(name) }
        }
        return names
    }

    /// Subgraph attribute `name`; nil when absent.
    public func subgraph(_ name: String) throws -> Subgraph? {
        guard let a = attributes[name] else { return nil }
        guard case .graph(let g) = a else {
            throw attributeError(name, "expected graph, found \(a.typeName)")
        }
        return g
    }

    public func requiredSubgraph(_ name: String) throws -> Subgraph {
        guard let g = try subgraph(name) else { throw missing(name) }
        return g
    }
}
