import Foundation
import StrataCore

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
        InputFile.prefix(path, count: 4) == [0x50, 0x4B, 0x03, 0x04]
    }

    /// Loads a Keras model. `configPath` is the `model.to_json()` file for weights-only `.h5` files
    /// (and overrides the stored architecture of any other file). With `weights: .shapesOnly` the
    /// weights' values are not read (see `WeightLoading`).
    public static func load(path: String, configPath: String? = nil, weights: WeightLoading = .values) throws -> Model {
        if isZip(path) || path.lowercased().hasSuffix(".keras") {
            return try loadArchive(path: path, configPath: configPath, weights: weights)
        }
        let file = try HDF5File(path: path)
        let keras = try file.stringAttribute("/", "keras_version")
        let backend = try file.stringAttribute("/", "backend")
        if let configText = try file.stringAttribute("/", "model_config") {
            let config = try configPath.map(readConfig) ?? configText
            let root = try file.kind("/model_weights") == .group ? "/model_weights" : "/"
            return try build(
                configText: config, file: path, format: .kerasH5, kerasVersion: keras, backend: backend, weights: weights,
                store: { _ in LegacyH5WeightStore(file: file, root: root) })
        }
        let legacyWeights = try file.stringsAttribute("/", "layer_names") != nil
        let keras3Weights = try file.kind("/layers") == .group || file.kind("/vars") == .group
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
            weights: weights, store: { spec in
                legacyWeights ? LegacyH5WeightStore(file: file, root: "/") as KerasWeightStore : try Keras3WeightStore(file: file, model: spec)
            })
    }

    /// The most bytes a model config (`config.json`, `--config`) and `metadata.json` may have: the
    /// largest Keras applications' configs are a few megabytes.
    static let maxConfigBytes = 64 << 20
    static let maxMetadataBytes = 1 << 20

    static func readConfig(_ path: String) throws -> String {
        String(decoding: try InputFile.contents(path, limit: maxConfigBytes), as: UTF8.self)
    }

    /// A `.keras` zip: `config.json`, `metadata.json`, `model.weights.h5`. Stored weights (as Keras
    /// writes them) are read in place from the archive, their CRC-32 checked on another thread while
    /// the model is built; deflated ones are inflated into shared memory (Linux) that libhdf5 reads as
    /// a file. libhdf5 runs in the HDF5 worker when there is one.
    static func loadArchive(path: String, configPath: String?, weights: WeightLoading) throws -> Model {
        let archive = try KerasArchive(path: path)
        let configText: String
        if let configPath {
            configText = try readConfig(configPath)
        } else {
            guard let member = archive.member("config.json") else {
                throw StrataError(.invalidModel, "archive has no config.json (not a Keras 3 .keras file)", at: ErrorLocation(file: path))
            }
            configText = String(decoding: try archive.data(member, limit: maxConfigBytes, what: "a model config"), as: UTF8.self)
        }
        var version: String?
        if let member = archive.member("metadata.json"),
           let json = KerasJSON.parse(String(decoding: try archive.data(member, limit: maxMetadataBytes, what: "metadata"), as: UTF8.self)) {
            version = json["keras_version"]?.string
        }
        let weightsMember = archive.member("model.weights.h5")
        let integrity = weightsMember.map { member in ArchiveCheck(archive, member) }
        let file = try weightsMember.map { try weightsFile(archive, $0) }
        do {
            let model = try build(
                configText: configText, file: path, format: .kerasArchive, kerasVersion: version ?? "3", backend: nil, weights: weights,
                store: { spec in try file.map { try Keras3WeightStore(file: $0, model: spec) as KerasWeightStore } ?? EmptyWeightStore() })
            try integrity?.wait()
            return model
        } catch {
            // A damaged member explains whatever else went wrong reading it.
            try integrity?.wait()
            throw error
        }
    }

    /// The archive's weights as an HDF5 file image. A stored member (how Keras writes them) is read in
    /// place from the archive (its CRC-32 is `ArchiveCheck`'s); a deflated member is inflated into
    /// shared memory, checked as it is inflated.
    private static func weightsFile(_ archive: KerasArchive, _ member: KerasArchive.Member) throws -> HDF5File {
        let name = archive.path + "/model.weights.h5"
        if member.method == 0, member.size > 0 {
            let start = try archive.check(member)
            return try HDF5File(imageIn: archive.descriptor, fileSize: archive.fileSize, offset: start, size: member.size, displayName: name)
        }
        guard member.size > 0, SharedMemory.available else {
            let data = try archive.data(member, limit: MemoryLimit.bytes, what: "the memory limit")
            return try HDF5File(image: data, displayName: name)
        }
        try archive.check(member)
        let image = try SharedMemory(byteCount: member.size, for: "archive member 'model.weights.h5'", named: true)
        defer { image.unlink() }
        try archive.extract(member, into: image.pointer)
        guard let descriptor = image.descriptor else { throw archive.memberError(member, "cannot be shared") }
        return try HDF5File(imageDescriptor: descriptor, size: member.size, displayName: name)
    }

    static func build(
        configText: String, file: String, format: ModelFormat, kerasVersion: String?, backend: String?, weights: WeightLoading = .values,
        store makeStore: (KerasModelSpec) throws -> KerasWeightStore
    ) throws -> Model {
        guard let json = KerasJSON.parse(configText) else {
            throw StrataError(.invalidModel, "model config is not valid JSON", at: ErrorLocation(file: file))
        }
        let spec = try KerasModelSpec.parse(json, file: file)
        // The JSON's own version (model.to_json() writes it) beats the weights file's.
        let version = json["keras_version"]?.string ?? kerasVersion
        let major = version.flatMap { Int($0.prefix { $0.isNumber }) } ?? 2
        let builder = GraphBuilder(file: file)
        let stored = try makeStore(spec)
        let store = weights == .values ? stored : ShapeOnlyWeightStore(base: stored)
        let lowering = KerasLowering(builder: builder, store: store, kerasMajor: major)
        let outputs = try lowering.lowerTopLevel(spec)
        var seen: Set<String> = []
        let outputInfos = outputs.filter { seen.insert($0).inserted }.map { value in
            ValueInfo(name: value, type: builder.type(of: value) ?? ValueType(.float32, nil))
        }
        let graph = Graph(
            name: spec.name, nodes: builder.nodes, inputs: builder.inputs, outputs: outputInfos,
            initializers: builder.initializers, layers: builder.layers)
        var metadata: [String: String] = ["keras_model_class": spec.className]
        if let backend { metadata["keras_backend"] = backend }
        var model = Model(graph: graph, format: format, path: file, producer: "keras", producerVersion: version,
                          layout: .nhwc, metadata: metadata, sourceLayers: lowering.summary(spec))
        model.hasWeightValues = weights == .values
        return model
    }
}
