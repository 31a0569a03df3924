import ArgumentParser
import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataExport
import StrataImage
import StrataRender

extension PathIntegral.Method: ExpressibleByArgument {}

/// `strata saliency`: the gradient of the target's score with respect to each input value, and the
/// attribution methods built on it, as captum 0.9 defines them.
public struct SaliencyCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "saliency",
        abstract: "Input attributions: gradient, SmoothGrad, integrated gradients, input × gradient (captum's definitions).",
        discussion: """
            For each input: saliency.npy (the attribution, the input's shape with a batch of 1, as captum's \
            attribute returns it) and saliency.png (its absolute values summed over the channel axis). \
            gradient is captum's Saliency (absolute gradient; --signed keeps the sign); input-x-gradient \
            is InputXGradient; smoothgrad is NoiseTunnel(Saliency) with nt_type smoothgrad (--samples noisy \
            copies, noise σ = --noise-level × the input's max − min); integrated-gradients is \
            IntegratedGradients from a zero baseline with captum's default Gauss-Legendre rule \
            (--steps, --integration). DIR/manifest.json gives the method, target, score and top-5 classes. \
            With --tensorboard LOGDIR the pictures and scores also go into a new TensorBoard events file \
            (Docs/TensorBoard.md; --step is its step, --steps the integration points).
            """
    )

    /// `--method`.
    public enum Method: String, ExpressibleByArgument, CaseIterable, Sendable {
        case gradient
        case smoothgrad
        case integratedGradients = "integrated-gradients"
        case inputXGradient = "input-x-gradient"
    }

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor: FILE.npy or NAME=FILE.npy.", valueName: "input"))
    public var inputs: [String] = []

    @Option(help: ArgumentHelp("The method: \(Method.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "method"))
    public var method: Method = .gradient

    @Flag(help: "gradient and smoothgrad: keep the gradient's sign (captum's abs=False).")
    public var signed = false

    @Option(help: ArgumentHelp("smoothgrad: noisy samples.", valueName: "n"))
    public var samples = 50

    @Option(name: .customLong("noise-level"), help: ArgumentHelp("smoothgrad: noise σ as a fraction of the input's range.", valueName: "fraction"))
    public var noiseLevel = 0.15

    @Option(help: ArgumentHelp("smoothgrad: the noise generator's seed.", valueName: "n"))
    public var seed: UInt64 = 0

    @Option(help: ArgumentHelp("integrated-gradients: integration points.", valueName: "n"))
    public var steps = 50

    @Option(help: ArgumentHelp(
        "integrated-gradients: \(PathIntegral.Method.allCases.map(\.rawValue).joined(separator: ", ")) (captum's names).", valueName: "rule"))
    public var integration: PathIntegral.Method = .gaussLegendre

    @Option(name: .customLong("internal-batch"), help: ArgumentHelp("Inputs per gradient run for smoothgrad and integrated-gradients.", valueName: "n"))
    public var internalBatch = 10

    @OptionGroup(title: "Target")
    public var target: TargetOptions

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder to write into (created if missing).", valueName: "dir"))
    public var outDir: String

    @Option(help: "Threads for kernels and BLAS (default: all cores).")
    public var threads: Int?

    @Flag(help: "No progress or summary output.")
    public var quiet = false

    @Flag(help: "Print the manifest as JSON on standard output.")
    public var json = false

    @OptionGroup(title: "Images")
    public var imageOptions: ImageOptions

    @OptionGroup public var memory: MemoryOptions

    @OptionGroup(title: "TensorBoard")
    public var tensorBoard: TensorBoardOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if outDir.isEmpty { throw ValidationError("--out must not be empty") }
        if !(1 ... 10_000).contains(samples) { throw ValidationError("--samples must be 1...10000") }
        if !(2 ... 10_000).contains(steps) { throw ValidationError("--steps must be 2...10000") }
        if !noiseLevel.isFinite || noiseLevel < 0 { throw ValidationError("--noise-level must be a non-negative number") }
        if !(1 ... 4096).contains(internalBatch) { throw ValidationError("--internal-batch must be 1...4096") }
        if inputs.isEmpty && imageOptions.isEmpty { throw ValidationError("give the input: --image, --images or --input FILE.npy") }
    }

    public func execute(on console: Console) throws {
        let model = try ModelLoader.load(modelPath, config: config)
        let classNames = try target.classNames()
        let source = try InputBatches(model: model, inputs: inputs, images: imageOptions, console: console, quiet: quiet || json)
        let engine = try Engine(model: model, options: EngineOptions(threads: threads))
        let folder = try StagedFolder(destination: outDir, reserved: [PictureManifest.fileName])
        let log = try tensorBoard.open()
        let worker = SaliencyWorker(command: self, model: model, engine: engine, classNames: classNames, imageInput: source.plan?.input.name)
        var entries: [JSONValue] = []
        var folderNames = MapsCommand.FolderNames()
        let progress = ProgressReporter(console: console, quiet: quiet || json)
        defer { progress.finish() }
        while let batch = try source.next() {
            let subjects = try MapsCommand.subjects(of: batch, oneInput: !source.isDataset && batch.index == 0, folders: &folderNames)
            entries += try worker.run(batch, subjects: subjects, into: folder, log: log)
            if source.isDataset { progress.update(done: source.consumed, total: source.totalImages, unit: "images") }
        }
        progress.finish()
        var members: [(String, JSONValue)] = [("model", .string(modelPath)), ("method", .string(method.rawValue))]
        members.append(("parameters", worker.parameters))
        if entries.count == 1, case .object(let only) = entries[0] {
            members += only.filter { $0.0 != "input" && $0.0 != "folder" }
        }
        members.append(("images", .array(entries)))
        let manifest = JSONValue.object(members)
        try folder.commit(last: [(PictureManifest.fileName, Array((manifest.rendered() + "\n").utf8))])
        try log?.commit()
        if json {
            console.print(manifest.rendered())
        } else if !quiet {
            console.print("wrote \(method.rawValue) attributions for \(entries.count) input\(entries.count == 1 ? "" : "s") to \(outDir)")
            if let report = log?.report("the saliency maps") { console.print(report) }
        }
    }
}
