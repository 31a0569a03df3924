import StrataCore
import StrataKeras
import StrataONNX

/// Opens a model file with the importer for its format.
public enum ModelLoader {
    /// Loads `path`: HDF5 files and zip archives (by signature), `.h5`/`.hdf5`/`.keras` files (by
    /// extension) are Keras models; anything else is read as ONNX (ONNX files have no signature).
    /// `config` is the architecture JSON for a weights-only Keras file.
    public static func load(_ path: String, config: String? = nil) throws -> Model {
        try load(path, config: config, weights: .values)
    }

    /// Loads `path` for its structure only (`inspect`, `layers`, `diagram`): the graph, types and source
    /// layers of `load`, without reading Keras weight values (ONNX weights are read only when used
    /// anyway). The model cannot be run.
    public static func loadStructure(_ path: String, config: String? = nil) throws -> Model {
        try load(path, config: config, weights: .shapesOnly)
    }

    private static func load(_ path: String, config: String?, weights: KerasImporter.WeightLoading) throws -> Model {
        do {
            if KerasImporter.canRead(path) {
                return try KerasImporter.load(path: path, configPath: config, weights: weights)
            }
            if let config {
                throw StrataError(.invalidInput, "--config '\(config)' applies only to Keras files", at: ErrorLocation(file: path))
            }
            return try ONNXImporter.load(path: path)
        } catch {
            throw error.strata(at: ErrorLocation(file: path))
        }
    }
}
