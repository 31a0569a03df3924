import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataExport

/// `strata run`: runs a model on `.npy` inputs and writes chosen activations as `.npy` files plus
/// `manifest.json` into a folder.
public struct RunCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model and capture layer outputs as .npy files.",
        discussion: """
            Inputs: --input FILE.npy binds to the model's inputs in order; --input NAME=FILE.npy by name.

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

    @Flag(help: "Print the manifest as JSON on standard output.")
    public var json = false

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if let threads, let problem = EngineOptions.problem(withThreads: threads) { throw ValidationError(problem) }
        if outDir.isEmpty { throw ValidationError("--out must not be empty") }
    }

    public func execute(on console: Console) throws {
        let model = try ModelLoader.load(modelPath, config: config)
        let graph = model.graph
        let binding = try InputBinding(arguments: inputs, graph: graph)
        var feeds: [String: Tensor] = [:]
        for input in binding.bound { feeds[input.info.name] = input.tensor }

        let rows = try captureRows(graph)
        let engine = try Engine(model: model, options: EngineOptions(threads: threads))
        let writer = try CaptureWriter(destination: outDir, model: modelPath, format: model.format)
        for input in binding.bound {
            writer.addInput(.init(name: input.info.name, file: input.file, shape: input.tensor.shape, dtype: input.tensor.dtype))
        }

        let progress = ProgressReporter(console: console, quiet: quiet)
        defer { progress.finish() }
        try engine.run(
            inputs: feeds, capture: rows,
            progress: { done, total in progress.update(done: done, total: total) },
            onCapture: { row, tensor in
                var row = row
                // A graph output that no node computes is an input passed through or a constant.
                if row.op.isEmpty { row.op = feeds[row.tensor] != nil ? "Input" : "Initializer" }
                try writer.write(tensor, for: row)
            })
        progress.finish()
        try writer.commit()

        if json {
            console.print(writer.manifest.json.rendered())
        } else if !quiet {
            let count = writer.manifest.activations.count
            console.print("wrote \(count) activation\(count == 1 ? "" : "s") to \(outDir) (\(outDir)/\(CaptureManifest.fileName))")
        }
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
