import StrataCore
import StrataONNX

/// Opens a model file with the importer for its format.
public enum ModelLoader {
    /// Loads `path`. `.h5` and `.keras` files are Keras models, which this build cannot import yet;
    /// anything else is read as ONNX (ONNX files have no signature to check first).
    public static func load(_ path: String) throws -> Model {
        let lower = path.lowercased()
        if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") || lower.hasSuffix(".keras") {
            throw StrataError(.unsupported, "Keras models are not supported by this build", at: ErrorLocation(file: path))
        }
        do {
            return try ONNXImporter.load(path: path)
        } catch {
            throw error.strata(at: ErrorLocation(file: path))
        }
    }
}
