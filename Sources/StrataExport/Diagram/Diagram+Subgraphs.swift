import StrataCore

extension Diagram {
    /// Boxes and edges for the subgraphs of `node` (an ONNX `If`, `Loop` or `Scan`, drawn as box
    /// `owner`): each subgraph is a cluster (`<node>.<attribute>`, nested inside the clusters of
    /// enclosing subgraphs) holding one box per body node, with edges between them, edges from the
    /// enclosing graphs' boxes for the outer values a body reads (so they enter the cluster), and
    /// edges from the boxes computing the body's outputs to `owner`.
    static func subgraphBoxes(
        of node: Node, owner: Int, cluster: [String], outer: [String: Int],
        boxes: inout [Box], layerCount: inout Int, edges: inout [(from: Int, to: Int, value: String)]
    ) {
        for (attribute, body) in node.subgraphs {
            let path = cluster + [node.name + "." + attribute]
            var scope = outer
            for input in body.inputs { scope[input.name] = nil }
            var bodyTypes = body.graph.inferTypes().types
            for input in body.inputs { if let t = input.type { bodyTypes[input.name] = t } }
            let order = (try? body.topologicalOrder()) ?? Array(body.graph.nodes.indices)
            var boxOfNode: [Int: Int] = [:]
            for index in order {
                let inner = body.graph.nodes[index]
                let box = boxes.count
                boxes.append(Box(
                    id: "n\(layerCount)", role: .layer, name: inner.name,
                    type: inner.domain.isEmpty ? inner.opType : inner.domain + "::" + inner.opType,
                    category: category(of: inner, constants: []), cluster: path,
                    outputs: inner.outputs.filter { !$0.isEmpty }.map { bodyTypes[$0] },
                    parameters: inner.inputs.reduce(0) { $0 + (body.graph.initializers[$1]?.count ?? 0) }, attributes: []))
                layerCount += 1
                boxOfNode[index] = box
            }
            // Values are looked up in the body first, then in the enclosing graphs.
            for index in order {
                for out in body.graph.nodes[index].outputs where !out.isEmpty { scope[out] = boxOfNode[index] }
            }
            for index in order {
                let inner = body.graph.nodes[index]
                let target = boxOfNode[index]!
                for value in inner.inputs + inner.implicitInputs where !value.isEmpty {
                    if let source = scope[value] { edges.append((source, target, value)) }
                }
                subgraphBoxes(of: inner, owner: target, cluster: path, outer: scope, boxes: &boxes,
                              layerCount: &layerCount, edges: &edges)
            }
            for output in body.outputs {
                if let source = scope[output.name], source != owner { edges.append((source, owner, output.name)) }
            }
        }
    }
}
