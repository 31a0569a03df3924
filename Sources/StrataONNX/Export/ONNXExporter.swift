import CONNXProto
import CProtobufC
import Foundation
import StrataCore

/// Writes Strata models as ONNX files (`ModelProto` through protobuf-c).
///
/// The graph is rewritten for the target opset (`OpsetAdapter`), unused initializers are dropped,
/// nodes are written in topological order under their IR names, and the capture table goes into
/// `metadata_props` (`strata.layers`) so that activations can be matched to the source layers.
/// Files are written next to the destination under a temporary name and renamed into place, so
/// a failed export never leaves a partial `.onnx`.
public enum ONNXExporter {
    /// The `ai.onnx` opsets the exporter writes.
    public static let opsets = OpsetAdapter.oldest...OpsetAdapter.newest
    public static let defaultOpset = OpsetAdapter.defaultOpset
    /// The `metadata_props` key of the capture table (JSON rows `layer`, `call`, `output`, `op`, `tensor`).
    public static let layersMetadataKey = "strata.layers"
    /// Written as `producer_version`.
    public static let producerVersion = "0.1.0"

    /// The IR version ONNX pairs with `opset` (the oldest that can carry it, for the widest reader support).
    public static func irVersion(forOpset opset: Int) -> Int {
        switch opset {
        case ...13: return 7
        case 14...18: return 8
        case 19, 20: return 9
        default: return 10
        }
    }

    /// Writes `model` to `path`; with external data, the weights go to `<file name>.data` beside it.
    /// Both follow `OutputFile`'s rules: only regular files are replaced, never one of `inputs`.
    public static func write(_ model: Model, to path: String, options: ExportOptions = ExportOptions(),
                             notOverwriting inputs: [String] = []) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StrataError(.io, "the output folder '\(folder.path)' does not exist", at: ErrorLocation(file: path))
        }
        try OutputFile.check(path, notOverwriting: inputs)
        let dataName = url.lastPathComponent + ".data"
        let encoded = try encode(model, options: options, externalDataName: dataName)

        let token = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let modelTemp = folder.appendingPathComponent(".\(url.lastPathComponent).\(token).tmp")
        let dataURL = folder.appendingPathComponent(dataName)
        let dataTemp = folder.appendingPathComponent(".\(dataName).\(token).tmp")
        do {
            if let external = encoded.externalData {
                try external.write(to: dataTemp)
            }
            try encoded.model.write(to: modelTemp)
            // rename(2) replaces the destination atomically: readers see the old file or the new one.
            if encoded.externalData != nil {
                try OutputFile.move(dataTemp.path, to: dataURL.path, notOverwriting: inputs)
            }
            try OutputFile.move(modelTemp.path, to: url.path, notOverwriting: inputs)
        } catch {
            try? FileManager.default.removeItem(at: modelTemp)
            try? FileManager.default.removeItem(at: dataTemp)
            throw error.strata(at: ErrorLocation(file: path))
        }
    }

    /// The encoded model and, when the weights exceed the threshold, the external data file's bytes
    /// (referenced from the model as `externalDataName`).
    public static func encode(_ model: Model, options: ExportOptions = ExportOptions(), externalDataName: String = "model.onnx.data")
        throws -> (model: Data, externalData: Data?)
    {
        guard opsets.contains(options.opset) else {
            throw StrataError(.invalidInput, "opset \(options.opset) is not supported for export (supported: \(opsets.lowerBound)...\(opsets.upperBound))")
        }
        let (graph, rows) = try prepare(model.graph, layerMap: model.metadata[layersMetadataKey], options: options)
        let arena = ProtoArena()
        var writer = ProtoWriter(arena: arena)
        let totalBytes = graph.initializers.values.reduce(0) { $0 + $1.byteCount }
        if totalBytes > options.externalDataThreshold { writer.externalDataName = externalDataName }

        let proto = arena.message(Onnx__ModelProto.self) { onnx__model_proto__init($0) }
        proto.pointee.has_ir_version = 1
        proto.pointee.ir_version = Int64(irVersion(forOpset: options.opset))
        let opset = arena.message(Onnx__OperatorSetIdProto.self) { onnx__operator_set_id_proto__init($0) }
        opset.pointee.domain = arena.string("")
        opset.pointee.has_version = 1
        opset.pointee.version = Int64(options.opset)
        proto.pointee.n_opset_import = 1
        proto.pointee.opset_import = arena.array([Optional(opset)])
        proto.pointee.producer_name = arena.string("strata")
        proto.pointee.producer_version = arena.string(producerVersion)
        if let doc = options.docString { proto.pointee.doc_string = arena.string(doc) }

        var metadata = options.metadata
        metadata[layersMetadataKey] = layersJSON(rows)
        let entries = metadata.keys.sorted().map { writer.entry($0, metadata[$0]!) }
        proto.pointee.n_metadata_props = entries.count
        proto.pointee.metadata_props = arena.array(entries.map(Optional.some))
        proto.pointee.graph = try writer.graph(graph)

        let size = onnx__model_proto__get_packed_size(proto)
        var data = Data(count: size)
        data.withUnsafeMutableBytes { buffer in
            _ = onnx__model_proto__pack(proto, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return (data, writer.externalDataName == nil ? nil : writer.externalData)
    }

    /// The graph as it will be written (batch dimension set, transposes sunk, unused initializers
    /// dropped, nodes in topological order and in the target opset's form) and its capture rows.
    /// `layerMap` is the `strata.layers` entry of a file Strata wrote before; its rows (the source
    /// layers of a converted model) replace the graph's own capture table so they survive re-export.
    static func prepare(_ source: Graph, layerMap: String? = nil, options: ExportOptions) throws -> (Graph, [TransposeSinking.Row]) {
        var graph = source
        let carried = layerMap.flatMap(parseLayers)
        if let carried { graph.layers = carried.map(\.row) }
        // ONNX requires a shape on every graph output; fill in what the type rules know.
        if graph.outputs.contains(where: { $0.type.shape == nil }) {
            let inferred = graph.inferTypes().types
            for (i, output) in graph.outputs.enumerated() where output.type.shape == nil {
                if let type = inferred[output.name], type.shape != nil {
                    graph.outputs[i].type = type
                } else if let shape = reshapeTarget(of: output.name, in: graph) {
                    graph.outputs[i].type.shape = shape
                }
            }
        }
        if let batch = options.batch {
            func rebatched(_ info: ValueInfo) -> ValueInfo {
                var info = info
                if var shape = info.type.shape, !shape.isEmpty {
                    shape[0] = batch
                    info.type.shape = shape
                }
                return info
            }
            graph.inputs = graph.inputs.map(rebatched)
            graph.outputs = graph.outputs.map(rebatched)
        }
        var rows = graph.captureTable.map { TransposeSinking.Row(row: $0, perm: nil) }
        // Sinking renames and drops transposed values, which a body may read by name; graphs with
        // subgraphs are written with their layout as it is.
        if options.optimizeLayout && !graph.nodes.contains(where: { !$0.subgraphs.isEmpty }) {
            let sinking = TransposeSinking(graph)
            graph = sinking.graph
            rows = sinking.rows
        }
        if let carried, carried.count == rows.count {
            // activation = transpose(old, first) and old = transpose(new, then) give one perm on new.
            for (i, row) in carried.enumerated() {
                guard let first = row.perm else { continue }
                let then = rows[i].perm ?? Array(0 ..< first.count)
                rows[i].perm = then.count == first.count ? first.map { then[$0] } : first
            }
        }
        graph = try OpsetAdapter(target: options.opset).adapt(graph)
        let order = try graph.topologicalOrder()
        graph.nodes = order.map { graph.nodes[$0] }

        var used = Set(graph.outputs.map(\.name))
        for node in graph.nodes { used.formUnion(node.inputs + node.implicitInputs) }
        graph.initializers = graph.initializers.filter { used.contains($0.key) }
        graph.inputs = graph.inputs.filter { graph.initializers[$0.name] == nil || used.contains($0.name) }
        return (graph, rows)
    }

    /// The output shape of the `Reshape` computing `value` from a constant shape, when the type
    /// rules could not tell it (a symbolic batch with -1): known sizes stay, the others are unnamed.
    static func reshapeTarget(of value: String, in graph: Graph) -> [Dim]? {
        guard let node = graph.nodes.first(where: { $0.opType == "Reshape" && $0.outputs.first == value }),
              let shapeName = node.input(1), let shape = graph.initializers[shapeName], shape.dtype == .int64, shape.rank == 1,
              (try? node.typed(ReshapeAttributes.self))?.allowZero == false || !shape.ints().contains(0)
        else { return nil }
        return shape.ints().map { $0 > 0 ? .known($0) : .symbol("?") }
    }

    /// Rows of a `strata.layers` entry; nil when it is not such a list.
    static func parseLayers(_ text: String) -> [TransposeSinking.Row]? {
        guard let rows = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { return nil }
        var out: [TransposeSinking.Row] = []
        for row in rows {
            guard let layer = row["layer"] as? String, let tensor = row["tensor"] as? String else { return nil }
            let entry = LayerOutput(layer: layer, op: row["op"] as? String ?? "", call: row["call"] as? Int,
                                    output: row["output"] as? Int ?? 0, tensor: tensor)
            out.append(TransposeSinking.Row(row: entry, perm: row["perm"] as? [Int]))
        }
        return out
    }

    /// The capture table as compact JSON rows; `perm` (when present) turns the tensor into the
    /// source's activation: `activation = transpose(tensor, perm)`.
    static func layersJSON(_ table: [TransposeSinking.Row]) -> String {
        let rows: [[String: Any]] = table.map { item in
            let row = item.row
            var entry: [String: Any] = ["layer": row.layer, "op": row.op, "output": row.output, "tensor": row.tensor]
            if let call = row.call { entry["call"] = call }
            if let perm = item.perm { entry["perm"] = perm }
            return entry
        }
        let data = (try? JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
