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
    public var destination: String { folder.destination }
    public var staging: String { folder.staging }
    public private(set) var manifest: CaptureManifest
    private let folder: StagedFolder

    /// Prepares a staging folder for writing into `destination`.
    public init(destination: String, model: String, format: ModelFormat) throws {
        folder = try StagedFolder(destination: destination, reserved: [CaptureManifest.fileName])
        manifest = CaptureManifest(model: model, format: format)
    }

    /// The file stem for a capture row: the layer name, plus `__call<k>` / `__out<k>` when needed
    /// to tell several calls or outputs of one layer apart, and `__iter<k>` for one iteration of a
    /// loop body's tensor.
    public static func baseName(for row: LayerOutput) -> String {
        var base = row.layer
        if let call = row.call, call > 0 { base += "__call\(call)" }
        if row.output > 0 { base += "__out\(row.output)" }
        if let iteration = row.iteration { base += "__iter\(iteration)" }
        return base
    }

    /// Records one graph input of the run.
    public func addInput(_ input: CaptureManifest.Input) {
        manifest.inputs.append(input)
    }

    /// Writes `tensor` for `row` into the staging folder and records it in the manifest.
    @discardableResult
    public func write(_ tensor: Tensor, for row: LayerOutput) throws -> CaptureManifest.Activation {
        let file = try folder.writeNPY(tensor, name: Self.baseName(for: row))
        var activation = CaptureManifest.Activation(
            layer: row, file: file, shape: tensor.shape, dtype: NPYDescriptor.forWriting(tensor.dtype).dtype)
        if tensor.dtype.isLowBit { activation.heldDType = tensor.dtype }
        manifest.activations.append(activation)
        return activation
    }

    /// Writes `value` for `row`: a tensor as `write(_:for:)` does; a sequence one file per element
    /// (`<base>__seq<k>.npy`), or one file-less row when it is empty; an optional what it holds,
    /// marked present, or one file-less row when it is empty (see `CaptureManifest`).
    @discardableResult
    public func write(_ value: Value, for row: LayerOutput) throws -> [CaptureManifest.Activation] {
        switch value {
        case .tensor(let tensor):
            return [try write(tensor, for: row)]
        case .sequence(let sequence):
            guard !sequence.elements.isEmpty else {
                var activation = CaptureManifest.Activation(layer: row, file: "", shape: [], dtype: NPYDescriptor.forWriting(sequence.dtype).dtype)
                activation.sequenceLength = 0
                manifest.activations.append(activation)
                return [activation]
            }
            var written: [CaptureManifest.Activation] = []
            for (k, element) in sequence.elements.enumerated() {
                let file = try folder.writeNPY(element, name: Self.baseName(for: row) + "__seq\(k)")
                var activation = CaptureManifest.Activation(layer: row, file: file, shape: element.shape,
                                                            dtype: NPYDescriptor.forWriting(element.dtype).dtype)
                if element.dtype.isLowBit { activation.heldDType = element.dtype }
                activation.sequenceLength = sequence.count
                activation.element = k
                manifest.activations.append(activation)
                written.append(activation)
            }
            return written
        case .optional(let held, let element):
            guard let held else {
                var activation = CaptureManifest.Activation(layer: row, file: "", shape: [], dtype: NPYDescriptor.forWriting(element.dtype).dtype)
                activation.optionalPresent = false
                manifest.activations.append(activation)
                return [activation]
            }
            let first = manifest.activations.count
            let written = try write(held, for: row)
            for i in first..<manifest.activations.count { manifest.activations[i].optionalPresent = true }
            return written.map { var a = $0; a.optionalPresent = true; return a }
        }
    }

    /// Writes `gradient`, the gradient with respect to the tensor already written as `activation`,
    /// beside it (`<file>.grad.npy`) and records it as a `"kind": "grad"` row.
    @discardableResult
    public func writeGradient(_ gradient: Tensor, of activation: CaptureManifest.Activation) throws -> CaptureManifest.Activation {
        let stem = activation.file.hasSuffix(".npy") ? String(activation.file.dropLast(4)) : activation.file
        let file = try folder.writeNPY(gradient, name: stem, fileExtension: "grad.npy")
        var row = CaptureManifest.Activation(layer: activation.layer, file: file, shape: gradient.shape,
                                             dtype: NPYDescriptor.forWriting(gradient.dtype).dtype)
        row.kind = .grad
        manifest.activations.append(row)
        return row
    }

    /// Sets the manifest's `"gradient"` object.
    public func setGradient(_ description: JSONValue) {
        manifest.gradient = description
    }

    /// Moves every written file into the destination and writes `manifest.json` there.
    public func commit() throws {
        try folder.commit(last: [(CaptureManifest.fileName, Array((manifest.json.rendered() + "\n").utf8))])
    }

    /// Deletes the staging folder and everything written to it (and, unless committed, the empty
    /// parent folders this writer created).
    public func abandon() {
        folder.abandon()
    }
}
