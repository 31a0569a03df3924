import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataONNX

extension CompareCommand {
    /// One activation a model can be asked for: its key, the tensor holding it, and the
    /// permutation turning that tensor into the layer's own layout.
    struct Entry {
        var layer: String
        var call: Int
        var output: Int
        var op: String
        var tensor: String
        var perm: [Int]?

        var label: String { layer + (output > 0 ? ":\(output)" : "") + (call > 0 ? "@\(call)" : "") }
        var key: String { "\(layer)\u{0}\(call)\u{0}\(output)" }
    }

    /// A model's side of a comparison: its activations in graph order, and for each the entry (layer
    /// row) it came from and the tensor holding it.
    struct Side {
        var activations: [ComparedActivation]
        var entries: [Entry?]
        var tensors: [String]
    }

    /// Whether the model carries the layer map `strata convert` writes.
    static func hasLayerMap(_ model: Model) -> Bool {
        model.metadata[ONNXExporter.layersMetadataKey] != nil
    }

    /// A model's capturable activations: the converter's map when the file has one, else its capture table.
    static func entries(_ model: Model) -> [Entry] {
        let produced = Set(model.graph.nodes.flatMap(\.outputs)).union(model.graph.runtimeInputs.map(\.name))
        if let text = model.metadata[ONNXExporter.layersMetadataKey],
           let rows = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] {
            let entries: [Entry] = rows.compactMap { row in
                guard let layer = row["layer"] as? String, let tensor = row["tensor"] as? String, produced.contains(tensor) else { return nil }
                return Entry(layer: layer, call: row["call"] as? Int ?? 0, output: row["output"] as? Int ?? 0,
                             op: row["op"] as? String ?? "", tensor: tensor, perm: row["perm"] as? [Int])
            }
            if !entries.isEmpty { return entries }
        }
        return model.graph.captureTable.filter { produced.contains($0.tensor) }.map {
            Entry(layer: $0.layer, call: $0.call ?? 0, output: $0.output, op: $0.op, tensor: $0.tensor, perm: nil)
        }
    }

    /// The reference side: one floating-point activation per entry computed from the inputs (in the
    /// entry's own layout), in graph order.
    static func referenceSide(_ model: Model, _ entries: [Entry], values: [String: Tensor]) throws -> Side {
        let order = GraphOrder(model.graph)
        // Values computed from the inputs only: shape arithmetic and constants say nothing about a conversion.
        let candidates = entries.enumerated()
            .filter { values[$0.element.tensor]?.dtype.isFloatingPoint == true && order.fromInputs.contains($0.element.tensor) }
        // A layer's value is often a transposed side copy of the tensor its successors read (Keras
        // layers lowered channels-first): its place in the graph is where that tensor is made.
        let anchors = Dictionary(candidates.map { ($0.element.tensor, order.anchor($0.element.tensor, in: model.graph)) }, uniquingKeysWith: { a, _ in a })
        let kept = candidates
            .sorted { (order.position[anchors[$0.element.tensor]!]!, $0.offset) < (order.position[anchors[$1.element.tensor]!]!, $1.offset) }
            .map(\.element)
        var activations: [ComparedActivation] = []
        for entry in kept {
            let tensor = try oriented(values[entry.tensor]!, entry.perm)
            let node = order.producer[entry.tensor].map { model.graph.nodes[$0].name }
            activations.append(ComparedActivation(name: entry.label, aliases: [entry.tensor] + (node.map { [$0] } ?? []), tensor: tensor))
        }
        order.link(&activations, tensors: kept.map { anchors[$0.tensor]! }, graph: model.graph)
        return Side(activations: activations, entries: kept, tensors: kept.map(\.tensor))
    }

    /// The other side: every floating-point value computed from the inputs (graph inputs and node
    /// outputs), in graph order, named after its layer-map row when it has one, else its node.
    static func otherSide(_ model: Model, _ entries: [Entry], values: [String: Tensor]) -> Side {
        let graph = model.graph
        let order = GraphOrder(graph)
        var entryByTensor: [String: Entry] = [:]
        var layerNames: [String: [String]] = [:]
        for entry in entries {
            if entryByTensor[entry.tensor] == nil { entryByTensor[entry.tensor] = entry }
            layerNames[entry.tensor, default: []].append(entry.layer)
        }
        let labelled = !graph.layers.isEmpty || hasLayerMap(model)
        var activations: [ComparedActivation] = []
        var kept: [String] = []
        for tensor in order.tensors where order.fromInputs.contains(tensor) {
            guard let value = values[tensor], value.dtype.isFloatingPoint else { continue }
            let node = order.producer[tensor].map { graph.nodes[$0] }
            var name = tensor
            if labelled, let entry = entryByTensor[tensor] {
                name = entry.label
            } else if let node, !node.name.isEmpty {
                let index = node.outputs.firstIndex(of: tensor) ?? 0
                name = node.name + (index > 0 ? ":\(index)" : "")
            }
            let constants = node.map { $0.inputs.filter { !$0.isEmpty && !order.fromInputs.contains($0) } } ?? []
            let aliases = [tensor] + (node.map { [$0.name] } ?? []) + (layerNames[tensor] ?? [])
            activations.append(ComparedActivation(name: name, aliases: aliases, tensor: value, constants: constants))
            kept.append(tensor)
        }
        order.link(&activations, tensors: kept, graph: graph)
        return Side(activations: activations, entries: kept.map { entryByTensor[$0] }, tensors: kept)
    }

    /// The tensors `otherSide` may use: graph inputs and node outputs computed from the inputs.
    static func candidateTensors(_ graph: Graph) -> [String] {
        let order = GraphOrder(graph)
        return order.tensors.filter { order.fromInputs.contains($0) }
    }

    /// Whether a model is an approximate copy: it quantizes (QDQ, QLinear, integer ops) or computes in float16.
    static func isApproximate(_ model: Model) -> Bool {
        let quantized: Set<String> = [
            "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul",
            "ConvInteger", "MatMulInteger", "QLinearAdd", "QLinearMul",
        ]
        if model.graph.nodes.contains(where: { quantized.contains($0.opType) }) { return true }
        let halves: Set<DType> = [.float16, .bfloat16]
        if model.graph.initializers.values.contains(where: { halves.contains($0.dtype) }) { return true }
        return model.graph.inputs.contains { halves.contains($0.type.dtype) } || model.graph.outputs.contains { halves.contains($0.type.dtype) }
    }

    /// `tensor` in its layer's own layout.
    static func oriented(_ tensor: Tensor, _ perm: [Int]?) throws -> Tensor {
        guard let perm, perm.count == tensor.rank else { return tensor }
        return try tensor.permuted(perm)
    }
}
