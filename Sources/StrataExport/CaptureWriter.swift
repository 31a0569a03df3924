import Foundation
import StrataCore

/// Writes the result of one capture run into a folder: one `.npy` per activation and
/// `manifest.json`, with nothing half-written if the run fails.
///
/// Files are written as they are captured into a hidden staging folder created next to the
/// destination (in its parent, so the final moves are renames on the same file system). `commit`
/// creates the destination if needed, moves the files in, and writes the manifest last; `abandon`
/// (or a failed commit) deletes the staging folder. Files already in the destination that this run
/// does not produce are left alone; ones with the same name are replaced.
public final class CaptureWriter {
    public let destination: String
    public let staging: String
    public private(set) var manifest: CaptureManifest
    private var namer = SafeFileNamer()
    private var finished = false
    private var committed = false
    /// Folders above the destination this writer created, innermost first; removed again (when
    /// still empty) if the run is abandoned.
    private var createdParents: [String] = []

    /// Prepares a staging folder for writing into `destination`.
    public init(destination: String, model: String, format: ModelFormat) throws {
        let url = URL(fileURLWithPath: destination)
        self.destination = destination
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isFolder), !isFolder.boolValue {
            throw StrataError(.invalidInput, "output path exists and is not a folder", at: ErrorLocation(file: destination))
        }
        let parent = url.deletingLastPathComponent().path
        let name = ".strata-\(url.lastPathComponent)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        staging = (parent.isEmpty ? "." : parent) + "/" + name
        manifest = CaptureManifest(model: model, format: format)
        namer.reserve(CaptureManifest.fileName)
        var missing = URL(fileURLWithPath: parent)
        while !missing.path.isEmpty, missing.path != "/", !FileManager.default.fileExists(atPath: missing.path) {
            createdParents.append(missing.path)
            missing.deleteLastPathComponent()
        }
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            throw StrataError(.io, "cannot create output folder: \(Self.reason(error))", at: ErrorLocation(file: destination))
        }
    }

    deinit {
        abandon()
    }

    /// The file stem for a capture row: the layer name, plus `__call<k>` / `__out<k>` when needed
    /// to tell several calls or outputs of one layer apart.
    public static func baseName(for row: LayerOutput) -> String {
        var base = row.layer
        if let call = row.call, call > 0 { base += "__call\(call)" }
        if row.output > 0 { base += "__out\(row.output)" }
        return base
    }

    /// Records one graph input of the run.
    public func addInput(_ input: CaptureManifest.Input) {
        manifest.inputs.append(input)
    }

    /// Writes `tensor` for `row` into the staging folder and records it in the manifest.
    @discardableResult
    public func write(_ tensor: Tensor, for row: LayerOutput) throws -> CaptureManifest.Activation {
        let file = namer.fileName(for: Self.baseName(for: row), fileExtension: "npy")
        try NPYFile.write(tensor, to: staging + "/" + file)
        let activation = CaptureManifest.Activation(
            layer: row, file: file, shape: tensor.shape, dtype: NPYDescriptor.forWriting(tensor.dtype).dtype)
        manifest.activations.append(activation)
        return activation
    }

    /// Moves every written file into the destination and writes `manifest.json` there.
    public func commit() throws {
        precondition(!finished, "capture committed or abandoned twice")
        defer { abandon() }
        do {
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        } catch {
            throw StrataError(.io, "cannot create output folder: \(Self.reason(error))", at: ErrorLocation(file: destination))
        }
        for activation in manifest.activations {
            let target = destination + "/" + activation.file
            if rename(staging + "/" + activation.file, target) != 0 {
                throw StrataError(.io, "cannot move file into place: \(AtomicFile.errnoText())", at: ErrorLocation(file: target))
            }
        }
        try manifest.write(toFolder: destination)
        committed = true
    }

    /// Deletes the staging folder and everything written to it (and, unless committed, the empty
    /// parent folders this writer created).
    public func abandon() {
        guard !finished else { return }
        finished = true
        try? FileManager.default.removeItem(atPath: staging)
        if !committed {
            for folder in createdParents { rmdir(folder) }
        }
    }

    private static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
