import Foundation
import StrataCore
import ZIPFoundation

/// Reads Keras models into Strata's IR: legacy full-model `.h5` (Keras 2 and 3), weights-only `.h5` with
/// the architecture from a JSON file, and Keras 3 `.keras` archives.
public enum KerasImporter {
    /// Whether `path` looks like a Keras file by content (HDF5 or zip signature) or extension.
    public static func canRead(_ path: String) -> Bool {
        let lower = path.lowercased()
        if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") || lower.hasSuffix(".keras") { return true }
        return HDF5Library.fileHasSignature(path) || isZip(path)
    }

    static func isZip(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4)) ?? Data()
        return Array(head) == [0x50, 0x4B, 0x03, 0x04]
    }

    /// Loads a Keras model. `configPath` is the `model.to_json()` file for weights-only `.h5` files
    /// (and overrides the stored architecture of any other file).
    public static func load(path: String, configPath: String? = nil) throws -> Model {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StrataError.unreadableFile(path)
        }
        if isZip(path) || path.lowercased().hasSuffix(".keras") {
            return try loadArchive(path: path, configPath: configPath)
        }
        let file = try HDF5File(path: path)
        let keras = try file.stringAttribute("/", "keras_version")
        let backend = try file.stringAttribute("/", "backend")
        if let configText = try file.stringAttribute("/", "model_config") {
            let config = try configPath.map(readConfig) ?? configText
            let root = file.kind("/model_weights") == .group ? "/model_weights" : "/"
            return try build(
                configText: config, file: path, format: .kerasH5, kerasVersion: keras, backend: backend,
                store: { _ in LegacyH5WeightStore(file: file, root: root) })
        }
        let legacyWeights = try file.stringsAttribute("/", "layer_names") != nil
        let keras3Weights = file.kind("/layers") == .group || file.kind("/vars") == .group
        guard legacyWeights || keras3Weights else {
            throw StrataError(.invalidModel, "HDF5 file is not a Keras model (no 'model_config' attribute and no layer weights)",
                              at: ErrorLocation(file: path))
        }
        guard let configPath else {
            throw StrataError(.invalidInput, "weights-only Keras file (no model architecture inside); pass the model JSON with --config FILE.json",
                              at: ErrorLocation(file: path))
        }
        let config = try readConfig(configPath)
        return try build(
            configText: config, file: path, format: .kerasH5, kerasVersion: keras ?? (keras3Weights ? "3" : "2"), backend: backend,
            store: { spec in legacyWeights ? LegacyH5WeightStore(file: file, root: "/") as KerasWeightStore : Keras3WeightStore(file: file, model: spec) })
    }

    static func readConfig(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StrataError(.io, "cannot read the config file", at: ErrorLocation(file: path))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A `.keras` zip: `config.json`, `metadata.json`, `model.weights.h5` (opened from memory).
    static func loadArchive(path: String, configPath: String?) throws -> Model {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw StrataError(.corruptFile, "not a readable .keras archive (truncated or not a zip file)", at: ErrorLocation(file: path))
        }
        func member(_ name: String) throws -> Data? {
            guard let entry = archive[name] else { return nil }
            var data = Data()
            do {
                _ = try archive.extract(entry) { data.append($0) }
            } catch {
                throw StrataError(.corruptFile, "archive member '\(name)' cannot be read (truncated archive)", at: ErrorLocation(file: path))
            }
            return data
        }
        let configText: String
        if let configPath {
            configText = try readConfig(configPath)
        } else {
            guard let data = try member("config.json") else {
                throw StrataError(.invalidModel, "archive has no config.json (not a Keras 3 .keras file)", at: ErrorLocation(file: path))
            }
            configText = String(decoding: data, as: UTF8.self)
        }
        var version: String?
        if let metadata = try member("metadata.json"), let json = KerasJSON.parse(String(decoding: metadata, as: UTF8.self)) {
            version = json["keras_version"]?.string
        }
        let weights = try member("model.weights.h5")
        let file = try weights.map { try HDF5File(image: $0, displayName: path + "/model.weights.h5") }
        return try build(
            configText: configText, file: path, format: .kerasArchive, kerasVersion: version ?? "3", backend: nil,
            store: { spec in file.map { Keras3WeightStore(file: $0, model: spec) as KerasWeightStore } ?? EmptyWeightStore() })
    }

    static func build(
        configText: String, file: String, format: ModelFormat, kerasVersion: String?, backend: String?,
        store makeStore: (KerasModelSpec) -> KerasWeightStore
    ) throws -> Model {
        guard let json = KerasJSON.parse(configText) else {
            throw StrataError(.invalidModel, "model config is not valid JSON", at: ErrorLocation(file: file))
        }
        let spec = try KerasModelSpec.parse(json, file: file)
        // The JSON's own version (model.to_json() writes it) beats the weights file's.
        let version = json["keras_version"]?.string ?? kerasVersion
        let major = version.flatMap { Int($0.prefix { $0.isNumber }) } ?? 2
        let builder = GraphBuilder(file: file)
        let lowering = KerasLowering(builder: builder, store: makeStore(spec), kerasMajor: major)
        let outputs = try lowering.lowerTopLevel(spec)
        var seen: Set<String> = []
        let outputInfos = outputs.filter { seen.insert($0).inserted }.map { value in
            ValueInfo(name: value, type: builder.type(of: value) ?? ValueType(.float32, nil))
        }
        let graph = Graph(
            name: spec.name, nodes: builder.nodes, inputs: builder.inputs, outputs: outputInfos,
            initializers: builder.initializers, layers: builder.layers)
        var metadata: [String: String] = [
            "keras_model_class": spec.className,
            KerasLayerSummary.metadataKey: KerasLayerSummary.encode(lowering.summary(spec)),
        ]
        if let backend { metadata["keras_backend"] = backend }
        return Model(graph: graph, format: format, path: file, producer: "keras", producerVersion: version,
                     layout: .nhwc, metadata: metadata)
    }
}
