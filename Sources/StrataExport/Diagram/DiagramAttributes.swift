import StrataCore

/// The key attributes of a box, for `--show-attrs`: filters or units read from the weight shape,
/// the kernel size, the node's own attributes (scalars and short lists, by name), and for a layer
/// made of several ops the activation it applies.
enum DiagramAttributes {
    /// Lists longer than this are cut, with `…` marking the cut.
    static let listLimit = 8

    /// `main` is the node that gives the box its category; `members` every node of the box.
    static func summary(main: Node, members: [Node], types: [String: ValueType]) -> [(String, String)] {
        var out: [(String, String)] = []
        var skip: Set<String> = []
        func weightShape(_ slot: Int) -> [Dim]? {
            guard slot < main.inputs.count, !main.inputs[slot].isEmpty else { return nil }
            return types[main.inputs[slot]]?.shape
        }
        switch main.opType {
        case "Conv", "ConvInteger", "ConvTranspose":
            if let w = weightShape(1), w.count >= 3 {
                let group = (try? main.int("group", default: 1)) ?? 1
                let filters = main.opType == "ConvTranspose" ? w[1].value.map { Dim.known($0 * group) } ?? w[1] : w[0]
                out.append(("filters", filters.description))
                if main.attributes["kernel_shape"] == nil {
                    out.append(("kernel", w.dropFirst(2).map(\.description).joined(separator: "×")))
                }
            }
        case "Gemm":
            let transB = ((try? main.int("transB", default: 0)) ?? 0) != 0
            if let w = weightShape(1), w.count == 2 { out.append(("units", w[transB ? 0 : 1].description)) }
        case "MatMul":
            if let w = weightShape(1), w.count == 2 { out.append(("units", w[1].description)) }
        default:
            break
        }
        if let kernel = main.attributes["kernel_shape"], case .ints(let sizes) = kernel {
            out.append(("kernel", sizes.map(String.init).joined(separator: "×")))
            skip.insert("kernel_shape")
        }
        for name in main.attributes.keys.sorted() where !skip.contains(name) {
            if let text = main.attributes[name].flatMap(format) { out.append((name, text)) }
        }
        if members.count > 1 {
            let activations = members.filter { node in
                node.name != main.name && OpRegistry.schema(node.opType, domain: node.domain)?.category == .activation
            }
            if !activations.isEmpty {
                out.append(("activation", activations.map { $0.opType.lowercased() }.joined(separator: ", ")))
            }
        }
        return out
    }

    /// A short text for an attribute value; nil for tensors and graphs, which have none.
    static func format(_ attribute: Attribute) -> String? {
        switch attribute {
        case .int(let v): return String(v)
        case .float(let v): return String(v)
        case .string(let v): return v
        case .ints(let v): return list(v.map(String.init))
        case .floats(let v): return list(v.map { String($0) })
        case .strings(let v): return list(v)
        case .tensor: return nil
        }
    }

    private static func list(_ items: [String]) -> String {
        let shown = items.prefix(listLimit).joined(separator: ", ")
        return "[" + shown + (items.count > listLimit ? ", …]" : "]")
    }
}
