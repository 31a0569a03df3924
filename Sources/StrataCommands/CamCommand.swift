import ArgumentParser
import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataExport
import StrataImage
import StrataRender

extension CAMMethod: ExpressibleByArgument {}
extension CAMConvention: ExpressibleByArgument {}

/// `strata cam`: which part of each input made the model give its score, as a class activation map
/// of one layer (Grad-CAM and its family, Score-CAM, Eigen-CAM). Per input: `cam.npy`,
/// `heatmap.npy`, `overlay.png`; `manifest.json` for the run. `Docs/CAM.md` has the definitions.
public struct CamCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "cam",
        abstract: "Class activation maps (Grad-CAM, Grad-CAM++, HiResCAM, XGradCAM, LayerCAM, Score-CAM, Eigen-CAM) of images or arrays.",
        discussion: """
            For each input: cam.npy (the map at the layer's resolution after the ReLU, before any \
            normalisation), heatmap.npy (min-max scaled, resized bilinearly to the input as cv2.resize \
            does, scaled again: what pytorch-grad-cam returns) and overlay.png (OpenCV's jet blended \
            over the input with weight 0.5, as its show_cam_on_image; with --input x.npy the tensor, \
            min-max scaled, is the image). DIR/manifest.json gives the layer, method, target, score, \
            the top-5 classes and the files. Several inputs get one subfolder each. --layer auto takes \
            the first layer norm of the last attention block (vision transformers, as pytorch-grad-cam's \
            ViT recipe), else the last convolution (Keras) or the last layer with a spatial map (ONNX), \
            and says which. With --tensorboard LOGDIR the overlays, the heat maps (grey) and the scores \
            also go into a new TensorBoard events file (Docs/TensorBoard.md).
            """
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor: FILE.npy or NAME=FILE.npy.", valueName: "input"))
    public var inputs: [String] = []

    @Option(help: ArgumentHelp("The layer: auto, or a layer or tensor name.", valueName: "auto|name"))
    public var layer = "auto"

    @Option(help: ArgumentHelp("The method: \(CAMMethod.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "method"))
    public var method: CAMMethod = .gradcam

    @Option(help: ArgumentHelp(
        "Whose definition where they differ (Grad-CAM++): pytorch-grad-cam or tf-keras-vis (default: tf-keras-vis for Keras models, pytorch-grad-cam for ONNX).",
        valueName: "library"))
    public var convention: CAMConvention?

    @Option(name: .customLong("tokens-grid"), help: ArgumentHelp(
        "For a token output [N, T, C]: its patch grid (leading extra tokens dropped); default: square, class token dropped.",
        valueName: "HxW"))
    public var tokensGrid: TokenGrid?

    @Option(help: ArgumentHelp("A faithfulness metric: drop (the score lost when the input is multiplied by the heat map).", valueName: "metric"))
    public var metric: CAMMetric?

    @Option(name: .customLong("keep-percent"), help: ArgumentHelp(
        "With --metric drop: keep only the top K % of the heat map (a binary mask) instead of multiplying by it.", valueName: "K"))
    public var keepPercent: Double?

    @Option(name: .customLong("score-batch"), help: ArgumentHelp("Masked inputs per forward run for scorecam.", valueName: "n"))
    public var scoreBatch = 16

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

    /// `--metric`.
    public enum CAMMetric: String, ExpressibleByArgument, Sendable {
        case drop
    }

    /// `--tokens-grid HxW`.
    public struct TokenGrid: ExpressibleByArgument, Sendable {
        public let height: Int
        public let width: Int

        public init?(argument: String) {
            let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]), h > 0, w > 0, h <= 1 << 16, w <= 1 << 16 else { return nil }
            height = h
            width = w
        }
    }

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if outDir.isEmpty { throw ValidationError("--out must not be empty") }
        if layer.isEmpty { throw ValidationError("--layer must not be empty") }
        if !(1 ... 4096).contains(scoreBatch) { throw ValidationError("--score-batch must be 1...4096") }
        if let keepPercent {
            guard metric != nil else { throw ValidationError("--keep-percent goes with --metric drop") }
            guard keepPercent.isFinite, (0 ... 100).contains(keepPercent) else { throw ValidationError("--keep-percent must be within 0...100") }
        }
        if inputs.isEmpty && imageOptions.isEmpty { throw ValidationError("give the input: --image, --images or --input FILE.npy") }
    }

    public func execute(on console: Console) throws {
        let model = try ModelLoader.load(modelPath, config: config)
        let classNames = try target.classNames()
        let engine = try Engine(model: model, options: EngineOptions(threads: threads))
        let (row, reason) = try CAMLayerSearch.resolve(layer, in: model, types: engine.inferredTypes().types)
        if !quiet, let reason { console.printError("strata: cam: --layer auto chose '\(row.layer)' (\(row.op)), \(reason)\n") }
        let source = try InputBatches(model: model, inputs: inputs, images: imageOptions, console: console, quiet: quiet || json)
        let folder = try StagedFolder(destination: outDir, reserved: [PictureManifest.fileName])
        let log = try tensorBoard.open()
        let worker = CAMWorker(
            model: model, engine: engine, row: row, method: method,
            convention: convention ?? (model.layout == .nhwc ? .tfKerasVis : .pytorchGradCAM),
            grid: tokensGrid.map { ($0.height, $0.width) }, metric: metric, keepPercent: keepPercent, scoreBatch: scoreBatch,
            target: target, classNames: classNames, imageInput: source.plan?.input.name)

        var entries: [JSONValue] = []
        var notes: [String] = []
        var folderNames = MapsCommand.FolderNames()
        let progress = ProgressReporter(console: console, quiet: quiet || json)
        defer { progress.finish() }
        while let batch = try source.next() {
            let subjects = try MapsCommand.subjects(of: batch, oneInput: !source.isDataset && batch.index == 0, folders: &folderNames)
            let results = try worker.run(batch, subjects: subjects, into: folder)
            for result in results {
                try log?.cam(result.logged, base: CaptureWriter.baseName(for: row), method: method, target: target.target)
                entries.append(result.entry)
                for note in result.notes where !notes.contains(note) { notes.append(note) }
            }
            if source.isDataset { progress.update(done: source.consumed, total: source.totalImages, unit: "images") }
        }
        progress.finish()

        var members: [(String, JSONValue)] = [
            ("model", .string(modelPath)), ("layer", .string(row.layer)), ("tensor", .string(row.tensor)),
            ("method", .string(method.rawValue)), ("convention", .string(worker.convention.rawValue)),
        ]
        if entries.count == 1, case .object(let only) = entries[0] {
            members += only.filter { $0.0 != "input" && $0.0 != "folder" }
        }
        members.append(("images", .array(entries)))
        let manifest = JSONValue.object(members)
        try folder.commit(last: [(PictureManifest.fileName, Array((manifest.rendered() + "\n").utf8))])
        try log?.commit()
        if !quiet { notes.forEach { console.printError("strata: note: \($0)\n") } }
        if json {
            console.print(manifest.rendered())
        } else if !quiet {
            var line = "wrote \(method.rawValue) maps of '\(row.layer)' for \(entries.count) input\(entries.count == 1 ? "" : "s") to \(outDir)"
            if !source.skipped.isEmpty { line += "; skipped \(source.skipped.count): " + source.skipped.map(\.file).joined(separator: ", ") }
            console.print(line)
            if let report = log?.report("the CAMs") { console.print(report) }
        }
    }
}
