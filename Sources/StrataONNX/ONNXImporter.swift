import CONNXProto
import CProtobufC
import Foundation
import StrataCore

/// Reads `.onnx` files into Strata models.
///
/// The result uses ONNX op types as they are, gives every node a unique non-empty name, and
/// borrows weight bytes from the parsed file instead of copying them where the layout allows.
/// Every problem with the file is a `StrataError` whose location starts with the path.
public enum ONNXImporter {
    /// ONNX IR versions Strata reads: from the first with versioned opsets to the newest the
    /// pinned onnx release (1.23) writes, which the ONNX backend tests use. What versions after
    /// 11 add is new element types, refused where a value uses one, and fields Strata does not
    /// read (device configurations).
    public static let irVersions = 3...14

    /// Loads the model at `path`. External data files are looked up next to it.
    public static func load(path: String) throws -> Model {
        do {
            // Large raw_data payloads stay in the mapping, borrowed by the tensors over them.
            return try model(ParsedModel(file: MappedFile(path: path)), path: path)
        } catch let error as StrataError {
            throw error.inFile(path)
        }
    }

    /// Loads a model from bytes already in memory; `path` names it in errors and locates its
    /// external data (relative to the folder `path` is in).
    public static func load(data: Data, path: String) throws -> Model {
        do {
            let parsed = try data.withUnsafeBytes { bytes in
                try ParsedModel(bytes: bytes.baseAddress, byteCount: bytes.count)
            }
            return try model(parsed, path: path)
        } catch let error as StrataError {
            throw error.inFile(path)
        }
    }

    private static func model(_ parsed: ParsedModel, path: String) throws -> Model {
        let proto = parsed.message.pointee
        guard proto.has_ir_version != 0 else {
            throw StrataError(.corruptFile, "not an ONNX model (ir_version is missing)")
        }
        guard let graphProto = proto.graph else {
            throw StrataError(.corruptFile, "not an ONNX model (the graph is missing)")
        }
        guard irVersions.contains(Int(proto.ir_version)) else {
            throw StrataError(.unsupported,
                              "ONNX IR version \(proto.ir_version) is not supported (supported: \(irVersions.lowerBound)...\(irVersions.upperBound))")
        }

        var opsets: [String: Int] = [:]
        for i in 0..<proto.n_opset_import {
            guard let entry = proto.opset_import[i]?.pointee else { continue }
            var domain = try ProtoText.string(entry.domain, what: "an opset domain")
            if domain == "ai.onnx" { domain = "" }
            opsets[domain] = Int(entry.version)
        }
        let supported = OpRegistry.oldestOpset...OpRegistry.latestOpset
        if let opset = opsets[""], !supported.contains(opset) {
            throw StrataError(.unsupported,
                              "ai.onnx opset \(opset) is not supported (supported: \(supported.lowerBound)...\(supported.upperBound))")
        }

        let folder = (path as NSString).deletingLastPathComponent
        let decoder = TensorDecoder(model: parsed, folder: folder.isEmpty ? "." : folder)
        let graph = try GraphImporter(decoder: decoder, opset: opsets[""], domainOpsets: opsets).graph(graphProto.pointee)
        _ = try graph.topologicalOrder()

        var metadata: [String: String] = [:]
        for (key, value) in try ProtoText.entries(proto.metadata_props, count: proto.n_metadata_props, what: "metadata") {
            metadata[key] = value
        }
        return Model(
            graph: graph, format: .onnx, path: path,
            producer: try ProtoText.optional(proto.producer_name, what: "the producer name").flatMap { $0.isEmpty ? nil : $0 },
            producerVersion: try ProtoText.optional(proto.producer_version, what: "the producer version").flatMap { $0.isEmpty ? nil : $0 },
            irVersion: Int(proto.ir_version), opsetImports: opsets, layout: .nchw, metadata: metadata,
            sourceLayers: graph.onnxSourceLayers()
        )
    }
}
