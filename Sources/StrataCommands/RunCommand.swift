import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataExport

/// `strata run`: runs a model on `.npy` inputs or images and writes chosen activations as `.npy`
/// files plus `manifest.json` into a folder (with `--images`, one such folder per batch).
public struct RunCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model and capture layer outputs as .npy files.",
        discussion: """
            Inputs: --input FILE.npy binds to the model's inputs in order; --input NAME=FILE.npy by name. \
            An input of sequence type takes a folder holding 0.npy, 1.npy, … (one file per element); an \
            optional input given nothing is empty. A sequence output is written one file per element. \
            --image FILE (repeatable) feeds PNG/JPEG files, as one batch, to the model's image input, \
            preprocessed as --preprocess and the other image options say (Docs/Images.md); other inputs \
            still come from --input NAME=FILE.npy. --images DIR|GLOB runs --batch images at a time and \
            writes each batch into DIR/batch-NNNNN/ (its own manifest.json), skipping unreadable images \
            with a warning (--strict: stop).

            Without --layer or --all the model's outputs are written. A selector is a layer name, a \
            tensor name, or a glob over layer names ('conv*').

            Files are staged next to DIR and moved in when the run succeeds, so a failed run leaves DIR \
            as it was.
            """
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor: FILE.npy or NAME=FILE.npy.", valueName: "input"))
    public var inputs: [String] = []

    @Option(name: .customLong("layer"), help: ArgumentHelp("A layer to capture: name, tensor name or glob.", valueName: "selector"))
    public var layers: [String] = []

    @Flag(help: "Capture every layer.")
    public var all = false

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder to write into (created if missing).", valueName: "dir"))
    public var outDir: String

    @Option(help: "Threads for kernels and BLAS (default: all cores; at most 4 × the cores).")
    public var threads: Int?

    @Flag(help: "No progress or summary output.")
    public var quiet = false

    @Flag(help: "Print the manifest as JSON on standard output (with --images: an array, one per batch).")
    public var json = false

    @Option(name: .customLong("grad"), help: ArgumentHelp(
        "Also write, beside each captured activation and each input, <file>.grad.npy: the gradient of TARGET with respect to it (top, a class index or name, or OUTPUT[…]; see --class-names, --target-prob).",
        valueName: "target"))
    public var grad: String?

    @OptionGroup(title: "Gradient target")
    public var targeting: TargetOptions

    @OptionGroup(title: "Images")
    public var imageOptions: ImageOptions

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if let threads, let problem = EngineOptions.problem(withThreads: threads) { throw ValidationError(problem) }
        if outDir.isEmpty { throw ValidationError("--out must not be empty") }
        if let grad { _ = try TargetOptions.Spec(parsing: grad) }
        if targeting.target != nil { throw ValidationError("strata run takes its target as --grad TARGET, not --target") }
        if grad == nil && (targeting.targetProbability || targeting.classNamesFile != nil) {
            throw ValidationError("--target-prob and --class-names need --grad")
        }
    }

    public func execute(on console: Console) throws {
        let model = try ModelLoader.load(modelPath, config: config)
        let source = try InputBatches(model: model, inputs: inputs, images: imageOptions, console: console, quiet: quiet || json)
        let rows = try captureRows(model.graph)
        let notes: @Sendable (String) -> Void = { [console, quiet] text in
            if !quiet { console.printError("strata: note: \(text)\n") }
        }
        let engine = try Engine(model: model, options: EngineOptions(threads: threads, notice: notes))
        let progress = ProgressReporter(console: console, quiet: quiet)
        defer { progress.finish() }
        let classNames = try targeting.classNames()
        var manifests: [CaptureManifest] = []
        var folders: [String] = []
        while let batch = try source.next() {
            let folder = source.isDataset ? outDir + "/" + Self.batchFolder(batch.index, of: source.batchCount) : outDir
            let writer = try CaptureWriter(destination: folder, model: modelPath, format: model.format)
            batch.manifestInputs.forEach(writer.addInput)
            if let grad {
                try writeGradients(grad, classNames: classNames, engine: engine, rows: rows, feeds: batch.feeds, into: writer)
            } else {
                try engine.run(
                    values: batch.feeds.mapValues(Value.tensor).merging(batch.values) { tensor, _ in tensor }, capture: rows,
                    progress: source.isDataset ? nil : { done, total in progress.update(done: done, total: total) },
                    onCapture: { row, value in
                        var row = row
                        // A graph output that no node computes is an input passed through or a constant.
                        if row.op.isEmpty { row.op = batch.feeds[row.tensor] != nil || batch.values[row.tensor] != nil ? "Input" : "Initializer" }
                        try writer.write(value, for: row)
                    })
            }
            try writer.commit()
            if source.isDataset { progress.update(done: source.consumed, total: source.totalImages, unit: "images") }
            manifests.append(writer.manifest)
            folders.append(folder)
        }
        progress.finish()
        if !source.skipped.isEmpty {
            console.printError("strata: skipped \(source.skipped.count) of \(source.totalImages) images: "
                + source.skipped.map(\.file).joined(separator: ", ") + "\n")
        }

        if json {
            let rendered = source.isDataset ? JSONValue.array(manifests.map(\.json)).rendered() : manifests[0].json.rendered()
            console.print(rendered)
        } else if !quiet {
            let count = manifests.reduce(0) { $0 + $1.activations.filter { $0.kind == .activation }.count }
            let grads = manifests.reduce(0) { $0 + $1.activations.filter { $0.kind == .grad }.count }
            let activations = "\(count) activation\(count == 1 ? "" : "s")" + (grad == nil ? "" : " and \(grads) gradient\(grads == 1 ? "" : "s")")
            if source.isDataset {
                let images = source.totalImages - source.skipped.count
                console.print("wrote \(activations) for \(images) image\(images == 1 ? "" : "s") in \(manifests.count) batch\(manifests.count == 1 ? "" : "es") to \(outDir) (\(folders[0]) … \(folders[folders.count - 1]), a \(CaptureManifest.fileName) in each)")
            } else {
                console.print("wrote \(activations) to \(outDir) (\(outDir)/\(CaptureManifest.fileName))")
            }
        }
    }

    /// One forward and backward run: each captured activation and each fed graph input, then its
    /// gradient with respect to `target` (float values only), and the manifest's `"gradient"` object.
    private func writeGradients(_ target: String, classNames: [String]?, engine: Engine, rows: [LayerOutput],
                                feeds: [String: Tensor], into writer: CaptureWriter) throws {
        // The fed inputs come too (first), so that the input's gradient (a saliency map) is always written.
        var rows = rows
        for name in feeds.keys.sorted().reversed() where !rows.contains(where: { $0.tensor == name }) {
            rows.insert(LayerOutput(layer: name, op: "Input", output: 0, tensor: name), at: 0)
        }
        var tensors: [String] = []
        for row in rows where !tensors.contains(row.tensor) { tensors.append(row.tensor) }
        let request = try targeting.request(spec: target, classNames: classNames, withRespectTo: tensors)
        let run = try engine.gradients(inputs: feeds, request: request)
        writer.setGradient(TargetOptions.describe(run, classNames: classNames))
        for var row in rows {
            guard let value = run.activations[row.tensor] else { continue }
            if row.op.isEmpty { row.op = feeds[row.tensor] != nil ? "Input" : "Initializer" }
            let activation = try writer.write(value, for: row)
            if value.dtype.isFloatingPoint, let gradient = run.gradients[row.tensor] {
                try writer.writeGradient(gradient, of: activation)
            }
        }
    }

    /// `batch-00042`: zero-padded to at least 5 digits so folders sort in batch order.
    static func batchFolder(_ index: Int, of count: Int) -> String {
        let digits = max(5, String(max(count - 1, 0)).count)
        let number = String(index)
        return "batch-" + String(repeating: "0", count: max(0, digits - number.count)) + number
    }

    /// The rows to capture: the selected layers, every layer, or the model's outputs. An output that
    /// no node produces gets a row with an empty op (the engine hands over the input or constant).
    func captureRows(_ graph: Graph) throws -> [LayerOutput] {
        if all || !layers.isEmpty {
            let selectors = all ? [LayerSelector.all] : layers.map { LayerSelector(parsing: $0) }
            return try graph.resolve(selectors)
        }
        let table = graph.captureTable
        return graph.outputs.map { output in
            table.first { $0.tensor == output.name } ?? LayerOutput(layer: output.name, op: "", output: 0, tensor: output.name)
        }
    }
}
