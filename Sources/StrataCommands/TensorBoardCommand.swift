import ArgumentParser
import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataExport
import StrataRender

/// `strata tensorboard`: logs checkpoints of a model taken during training to TensorBoard, one step
/// per checkpoint, so that TensorBoard's step slider shows how the chosen layers' feature maps,
/// activation histograms and statistics, weight histograms and (with `--cam`) class activation maps
/// evolved. One checkpoint is loaded at
/// a time; each step is committed to the events file when it is complete.
public struct TensorBoardCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "tensorboard",
        abstract: "Log feature maps, histograms, statistics and CAMs of training checkpoints to TensorBoard, one step each.",
        discussion: """
            Each checkpoint is one step: its number in the file name (model_epoch_01.h5 … model_epoch_30.h5 \
            are steps 1 … 30; the first number that differs between the names) or --steps. For each, the \
            inputs run through the model: the chosen layers' feature maps of the first --max-maps inputs as \
            images, their activation histograms and mean, std, zeros and dead fractions over all inputs, and \
            the weight histograms of those with a kernel; with --cam METHOD, the class activation map of \
            --cam-layer (default: auto, as strata cam picks it) for the first --max-maps inputs, as cam's \
            overlay and heat map images and score (--target as for cam). Everything goes into one new events file in \
            LOGDIR (or LOGDIR/NAME with --run), with the tags of maps, stats and filters \
            (Docs/TensorBoard.md). A step is written when it is complete; a failure keeps the steps done.
            """
    )

    @Argument(help: "The checkpoint files (.onnx, .h5, .keras), one per step.")
    public var checkpoints: [String] = []

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for weights-only Keras .h5 checkpoints.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor: FILE.npy or NAME=FILE.npy.", valueName: "input"))
    public var inputs: [String] = []

    @Option(name: .customLong("layer"), help: ArgumentHelp("A layer to log: name, tensor name or glob (repeatable).", valueName: "selector"))
    public var layers: [String] = []

    @Option(name: .customLong("logdir"), help: ArgumentHelp("The TensorBoard log folder (created if missing).", valueName: "dir"))
    public var logDirectory: String

    @Option(help: ArgumentHelp("Log into LOGDIR/NAME, a run of its own in TensorBoard.", valueName: "name"))
    public var run: String?

    @Option(help: ArgumentHelp("The step of each checkpoint, in the order given (default: from the file names).", valueName: "n,n,…"))
    public var steps: StepList?

    @Option(name: .customLong("max-maps"), help: ArgumentHelp("Draw the feature maps of at most this many inputs (the first ones).", valueName: "n"))
    public var maxMaps = 8

    @Option(help: ArgumentHelp("Only these channels in the grids, e.g. 0-31 (clipped to each layer's channels).", valueName: "first-last"))
    public var channels: ChannelRange?

    @Option(help: ArgumentHelp("Colour map: \(ColorMapArgument.allValueStrings.joined(separator: ", ")).", valueName: "name"))
    public var cmap: ColorMapArgument = ColorMapArgument(argument: "viridis")!

    @Option(help: ArgumentHelp("Grid colour scale: channel (each tile its own min-max), layer (one scale), none (fixed 0-1).", valueName: "mode"))
    public var normalize: MapNormalization = .channel

    @Flag(help: "Also blend the mean and max maps over the input image (jet, alpha 0.4).")
    public var overlay = false

    @Option(help: ArgumentHelp(
        "Also log the class activation map of the first --max-maps inputs by this method: \(CAMMethod.allCases.map(\.rawValue).joined(separator: ", ")).",
        valueName: "method"))
    public var cam: CAMMethod?

    @Option(name: .customLong("cam-layer"), help: ArgumentHelp("The layer of --cam: auto (as strata cam picks it), or a layer or tensor name.", valueName: "auto|name"))
    public var camLayer: String?

    @OptionGroup(title: "Target (--cam)")
    public var target: TargetOptions

    @Option(help: "Threads for kernels and BLAS (default: all cores).")
    public var threads: Int?

    @Flag(help: "No progress or summary output.")
    public var quiet = false

    @OptionGroup(title: "Images")
    public var imageOptions: ImageOptions

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    /// Errors not located in a checkpoint are reported against the first.
    public var modelPath: String { checkpoints.first ?? "" }

    public init() {}

    public func validate() throws {
        if checkpoints.isEmpty { throw ValidationError("give the checkpoint files") }
        if layers.isEmpty { throw ValidationError("give --layer (name, tensor or glob; repeatable)") }
        if logDirectory.isEmpty { throw ValidationError("--logdir must not be empty") }
        if run?.isEmpty == true { throw ValidationError("--run must not be empty") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if maxMaps < 0 { throw ValidationError("--max-maps must be at least 0") }
        if imageOptions.isEmpty && inputs.isEmpty { throw ValidationError("give the inputs: --image, --images or --input") }
        if overlay && imageOptions.isEmpty { throw ValidationError("--overlay needs images (--image or --images) to draw over") }
        if cam == nil && (camLayer != nil || target.target != nil || target.classNamesFile != nil || target.targetProbability) {
            throw ValidationError("--cam-layer, --target, --class-names and --target-prob go with --cam METHOD")
        }
        if camLayer?.isEmpty == true { throw ValidationError("--cam-layer must not be empty") }
        if cam != nil && maxMaps == 0 { throw ValidationError("--cam draws the first --max-maps inputs; --max-maps 0 draws none") }
        if let steps, steps.values.count != checkpoints.count {
            throw ValidationError("--steps gives \(steps.values.count) steps for \(checkpoints.count) checkpoints")
        }
    }

    public func execute(on console: Console) throws {
        let ordered = try CheckpointSteps.order(checkpoints, steps: steps?.values)
        let log = try TensorBoardLog(logDirectory: logDirectory, run: run, step: 0)
        for (index, checkpoint) in ordered.enumerated() {
            if !quiet {
                console.printError("strata: checkpoint \(index + 1)/\(ordered.count): \(checkpoint.path) → step \(checkpoint.step)\n")
            }
            log.step = checkpoint.step
            do {
                try logCheckpoint(checkpoint.path, to: log, console: console, first: index == 0)
            } catch let error as StrataError {
                throw error.inFile(checkpoint.path)
            }
            try log.commit()
        }
        if !quiet, let path = log.path {
            let first = ordered.first!.step, last = ordered.last!.step
            console.print("logged \(ordered.count) checkpoint\(ordered.count == 1 ? "" : "s") as step\(ordered.count == 1 ? " \(first)" : "s \(first)–\(last)") to \(path)")
        }
    }

    /// One step: maps of the first `maxMaps` inputs, statistics over all, weight histograms.
    private func logCheckpoint(_ path: String, to log: TensorBoardLog, console: Console, first: Bool) throws {
        let model = try ModelLoader.load(path, config: config)
        let rows = try model.graph.resolve(layers.map { LayerSelector(parsing: $0) })
        let source = try InputBatches(model: model, inputs: inputs, images: imageOptions, console: console, quiet: quiet || !first)
        let engine = try Engine(model: model, options: EngineOptions(threads: threads))
        var collector = StatisticsCollector(rows: rows, model: model, engine: engine, threads: threads)
        let camWorker = try cam.map { try makeCAMWorker($0, model: model, engine: engine, imageInput: source.plan?.input.name, console: console, first: first) }
        let painter = MapPainter(layout: model.layout, channels: channels, colorMap: cmap.map, normalization: normalize,
                                 overlay: overlay, overlayChannels: false, format: .png)
        var folders = MapsCommand.FolderNames()
        var notes: [String] = []
        var drawn = 0
        let progress = ProgressReporter(console: console, quiet: quiet)
        defer { progress.finish() }
        while let batch = try source.next() {
            let subjects = try MapsCommand.subjects(of: batch, oneInput: !source.isDataset && batch.index == 0, folders: &folders)
            let drawHere = Swift.min(subjects.count, Swift.max(0, maxMaps - drawn))
            try engine.run(inputs: batch.feeds, capture: rows) { row, tensor in
                try collector.add(row, tensor)
                guard drawHere > 0 else { return }
                // An activation whose leading axis is not the batch (a Reshape that folds it) is drawn once.
                let perImage = tensor.rank >= 2 && tensor.shape[0] == subjects.count
                for b in 0 ..< (perImage ? drawHere : 1) {
                    var subject = subjects[b]
                    if !perImage && subjects.count > 1 { subject.image = nil }
                    if let note = try painter.log(row, tensor, image: perImage ? b : 0, subject: subject, to: log), !notes.contains(note) {
                        notes.append(note)
                    }
                }
            }
            if let camWorker, drawHere > 0 {
                // The gradient run covers the whole batch; the first drawHere inputs are logged.
                for result in try camWorker.run(batch, subjects: subjects, into: nil).prefix(drawHere) {
                    try log.cam(result.logged, base: CaptureWriter.baseName(for: camWorker.row), method: camWorker.method, target: target.target)
                    for note in result.notes where !notes.contains(note) { notes.append(note) }
                }
            }
            drawn += drawHere
            collector.count(batch)
            if source.totalImages > 0 { progress.update(done: source.consumed, total: source.totalImages, unit: "images") }
        }
        progress.finish()
        for layer in collector.layers { try log.statistics(layer) }

        var seen = Set<String>()
        for row in rows where seen.insert(row.layer).inserted {
            let kernels: [LayerKernel]
            do {
                kernels = try LayerKernel.find(layer: row.layer, in: model.graph)
            } catch let error as StrataError where error.message.hasPrefix("has no convolution or dense kernel") {
                continue  // Layers without kernels have no weight histogram.
            }
            for kernel in kernels {
                try log.weights(KernelWeights(kernel), name: FiltersCommand.baseName(of: kernel, among: kernels.count))
            }
        }
        if !quiet && first { notes.forEach { console.printError("strata: note: \($0)\n") } }
    }

    /// The CAM of `--cam-layer` by `method` for one checkpoint, as `strata cam` computes it.
    private func makeCAMWorker(_ method: CAMMethod, model: Model, engine: Engine, imageInput: String?, console: Console, first: Bool) throws -> CAMWorker {
        let (row, reason) = try CAMLayerSearch.resolve(camLayer ?? "auto", in: model, types: engine.inferredTypes().types)
        if !quiet && first, let reason { console.printError("strata: --cam-layer auto chose '\(row.layer)' (\(row.op)), \(reason)\n") }
        return CAMWorker(
            model: model, engine: engine, row: row, method: method, convention: model.layout == .nhwc ? .tfKerasVis : .pytorchGradCAM,
            grid: nil, metric: nil, keepPercent: nil, scoreBatch: 16, target: target, classNames: try target.classNames(),
            imageInput: imageInput)
    }
}
