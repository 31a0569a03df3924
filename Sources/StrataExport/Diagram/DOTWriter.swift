import StrataCore

/// Writes a `Diagram` as Graphviz DOT text.
///
/// Boxes are `shape=box` nodes with HTML-like labels (bold name, type, then the shapes, parameter
/// count and attributes the options ask for), filled by category. Identifiers are generated
/// (`in0`, `n12`, `cluster_outer_1`), so no name needs escaping outside a label; labels escape
/// everything (`DOTText.html`). The text depends only on the diagram and the options: the same
/// model gives the same bytes.
public enum DOTWriter {
    public static func render(_ diagram: Diagram, options: DiagramOptions) -> String {
        var out = "digraph strata {\n"
        out += "  graph [rankdir=\(options.rankdir.rawValue), fontname=\"Helvetica\", fontsize=11, "
            + "nodesep=0.25, ranksep=0.35];\n"
        out += "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10, "
            + "color=\"#555555\", penwidth=0.8, margin=\"0.12,0.04\"];\n"
        out += "  edge [color=\"#555555\", arrowsize=0.6, fontname=\"Helvetica\", fontsize=9];\n"

        // Clusters in order of first appearance; each knows its parent path.
        var clusterIDs: [[String]: String] = [:]
        var children: [[String]: [[String]]] = [:]
        var usedIDs: Set<String> = []
        for box in diagram.boxes where !box.cluster.isEmpty {
            for depth in 1...box.cluster.count {
                let path = Array(box.cluster.prefix(depth))
                guard clusterIDs[path] == nil else { continue }
                var id = "cluster_" + DOTText.identifier(path.joined(separator: "/"))
                if !usedIDs.insert(id).inserted {
                    var n = 2
                    while !usedIDs.insert(id + "_\(n)").inserted { n += 1 }
                    id += "_\(n)"
                }
                clusterIDs[path] = id
                children[Array(path.dropLast()), default: []].append(path)
            }
        }
        var boxesIn: [[String]: [Int]] = [:]
        for (i, box) in diagram.boxes.enumerated() { boxesIn[box.cluster, default: []].append(i) }

        func emit(_ path: [String], indent: String) {
            for i in boxesIn[path] ?? [] {
                out += indent + node(diagram.boxes[i], options: options) + "\n"
            }
            for child in children[path] ?? [] {
                out += indent + "subgraph \(clusterIDs[child]!) {\n"
                out += indent + "  label=<<B>\(DOTText.html(child.last ?? ""))</B>>; style=\"rounded,dashed\"; "
                    + "color=\"#888888\"; fontsize=10;\n"
                emit(child, indent: indent + "  ")
                out += indent + "}\n"
            }
        }
        emit([], indent: "  ")

        for edge in diagram.edges {
            let from = diagram.boxes[edge.from].id, to = diagram.boxes[edge.to].id
            if options.edgeShapes, let type = edge.type {
                out += "  \(from) -> \(to) [label=<\(DOTText.html(shapeText(type, dtype: options.showDtype)))>];\n"
            } else {
                out += "  \(from) -> \(to);\n"
            }
        }
        if options.legend { out += legend(diagram) }
        out += "}\n"
        return out
    }

    static func node(_ box: Diagram.Box, options: DiagramOptions) -> String {
        var label = "<B>" + DOTText.html(displayName(box)) + "</B>"
        label += "<BR/><FONT POINT-SIZE=\"9\">" + DOTText.html(box.type) + "</FONT>"
        if options.showShapes || box.role == .input || box.role == .output {
            var lines: [String] = []
            for output in box.outputs {
                let text = output.map { shapeText($0, dtype: options.showDtype) } ?? "?"
                if !lines.contains(text) { lines.append(text) }
            }
            for line in lines { label += "<BR/>" + DOTText.html(line) }
        } else if options.showDtype {
            let dtypes = box.outputs.map { $0?.dtype.rawValue ?? "?" }
            label += "<BR/>" + DOTText.html(dtypes.joined(separator: ", "))
        }
        if options.showParams, box.parameters > 0 {
            label += "<BR/><FONT POINT-SIZE=\"9\">params " + grouped(box.parameters) + "</FONT>"
        }
        for (name, value) in box.attributes {
            label += "<BR/><FONT POINT-SIZE=\"9\">" + DOTText.html(name + " " + value) + "</FONT>"
        }
        var style = ""
        switch box.role {
        case .input, .output: style = ", style=\"filled\", shape=box"
        case .weight: style = ", style=\"filled,dashed\""
        case .layer: break
        }
        return "\(box.id) [label=<\(label)>, fillcolor=\"\(box.category.fillColor)\"\(style)];"
    }

    /// The box's name without the path of the cluster it is drawn in (`dense` in cluster
    /// `encoder` for layer `encoder/dense`).
    static func displayName(_ box: Diagram.Box) -> String {
        guard !box.cluster.isEmpty else { return box.name }
        let prefix = box.cluster.joined(separator: "/") + "/"
        return box.name.hasPrefix(prefix) && box.name.count > prefix.count ? String(box.name.dropFirst(prefix.count)) : box.name
    }

    /// `[N, 3, 224, 224]`, or `float32[N, 3, 224, 224]` with the dtype; `?` for unknown sizes.
    static func shapeText(_ type: ValueType, dtype: Bool) -> String {
        let dims = type.shape.map { shape in
            "[" + shape.map { dim -> String in
                switch dim {
                case .known(let v): return String(v)
                case .symbol(let s): return s.isEmpty ? "?" : s
                }
            }.joined(separator: ", ") + "]"
        } ?? "[?]"
        return dtype ? type.dtype.rawValue + dims : dims
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return out
    }

    /// One swatch per category used, in `DiagramCategory` order, stacked by invisible edges.
    static func legend(_ diagram: Diagram) -> String {
        let used = Set(diagram.boxes.map(\.category))
        let categories = DiagramCategory.allCases.filter(used.contains)
        guard !categories.isEmpty else { return "" }
        var out = "  subgraph cluster_legend {\n"
        out += "    label=<<B>Legend</B>>; style=\"rounded\"; color=\"#888888\"; fontsize=10;\n"
        for category in categories {
            out += "    legend_\(category.rawValue) [label=<\(category.rawValue)>, "
                + "fillcolor=\"\(category.fillColor)\", style=\"filled\"];\n"
        }
        for (a, b) in zip(categories, categories.dropFirst()) {
            out += "    legend_\(a.rawValue) -> legend_\(b.rawValue) [style=invis];\n"
        }
        out += "  }\n"
        return out
    }
}
