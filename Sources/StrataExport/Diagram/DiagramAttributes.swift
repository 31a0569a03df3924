import StrataCore

/// The key attributes of a box, for `--show-attrs`: filters or units read from the weight shape,
/// the kernel size, the node's own attributes (scalars and short lists, by name), and for a layer
/// made of several ops the activation it applies.
enum DiagramAttributes {
    /// Lists longer than this are cut, with `…` marking the cut.
    static let listLimit = 8

    /// Attribute values that only restate the op's default, left out to keep boxes short.
    static let defaults: Set<String> = [
        "allowzero 0", "group 1", "auto_pad NOTSET", "transA 0", "transB 0", "ceil_mode 0", "storage_order 0",
        "count_include_pad 0", "keepdims 1", "noop_with_empty_axes 0", "alpha 1.0", "beta 1.0",
    ]

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
                let group = (main.opType == "ConvTranspose" ? (try? main.typed(ConvTransposeAttributes.self))?.group
                             : (try? main.typed(ConvAttributes.self))?.group) ?? 1
                let filters = main.opType == "ConvTranspose" ? w[1].value.map { Dim.known($0 * group) } ?? w[1] : w[0]
                out.append(("filters", filters.description))
                if (try? main.typed(WindowAttributes.self))?.kernelShape == nil {
                    out.append(("kernel", w.dropFirst(2).map(\.description).joined(separator: "×")))
                }
            }
        case "Gemm":
            let transB = (try? main.typed(GemmAttributes.self))?.transB ?? false
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
            guard let value = main.attributes[name], let text = format(value) else { continue }
            if defaults.contains(name + " " + text) { continue }
            if case .ints(let v) = value, name == "dilations" || name == "strides", v.allSatisfy({ $0 == 1 }) { continue }
            if case .ints(let v) = value, name == "pads", v.allSatisfy({ $0 == 0 }) { continue }
            out.append((name, text))
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
        case .type(let t): return t.description
        case .tensor, .graph, .graphs: return nil
        }
    }

    private static func list(_ items: [String]) -> String {
        let shown = items.prefix(listLimit).joined(separator: ", ")
        return "[" + shown + (items.count > listLimit ? ", …]" : "]")
    }
}
