import ArgumentParser
import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataExport
import StrataRender

/// `strata stats [collect] MODEL …`: runs the model over the inputs batch by batch and accumulates
/// every selected layer's statistics as it goes, so memory stays that of one batch.
public struct StatsCollectCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Statistics of layer activations over images or arrays (the default of strata stats).",
        discussion: """
            Without --layer every layer is covered. Rows are printed most suspicious first. \
            The JSON document ({"inputs", "skipped", "layers": [...]}) and every field are defined in \
            Docs/Statistics.md. With --tensorboard LOGDIR each layer's histogram and its mean, std, zeros and \
            dead fractions also go into a new TensorBoard events file (Docs/TensorBoard.md).
            """
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor: FILE.npy or NAME=FILE.npy.", valueName: "input"))
    public var inputs: [String] = []

    @Option(name: .customLong("layer"), help: ArgumentHelp("A layer to cover: name, tensor name or glob (default: every layer).", valueName: "selector"))
    public var layers: [String] = []

    @Option(help: ArgumentHelp("Process one slice of the images: every N-th file from the I-th (0-based) of the sorted list.", valueName: "I/N"))
    public var shard: Shard?

    @Option(name: .customLong("out"), help: ArgumentHelp("Also write stats.json, one histogram picture per layer, manifest.json and index.html into this folder.", valueName: "dir"))
    public var outDir: String?

    @Option(help: ArgumentHelp("Picture format for --out: png, svg or pdf.", valueName: "format"))
    public var format: PictureFormat = .png

    @Flag(help: "Print the statistics document as JSON on standard output instead of the table.")
    public var json = false

    @Option(help: "Threads for kernels and BLAS (default: all cores).")
    public var threads: Int?

    @Flag(help: "No progress, notices or table.")
    public var quiet = false

    @OptionGroup(title: "Images")
    public var imageOptions: ImageOptions

    @OptionGroup(title: "TensorBoard")
    public var tensorBoard: TensorBoardOptions

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if outDir?.isEmpty == true { throw ValidationError("--out must not be empty") }
        if shard != nil && imageOptions.isEmpty { throw ValidationError("--shard splits images; give --images or --image") }
    }

    public func execute(on console: Console) throws {
        let model = try ModelLoader.load(modelPath, config: config)
        let graph = model.graph
        let rows = try layers.isEmpty ? graph.captureTable : graph.resolve(layers.map { LayerSelector(parsing: $0) })
        guard !rows.isEmpty else { throw StrataError(.invalidInput, "the model has no layers to cover") }
        let staged = try outDir.map {
            try StagedFolder(destination: $0, reserved: [PictureManifest.fileName, PictureIndexPage.fileName, Self.documentName])
        }
        let log = try tensorBoard.open()
        let source = try InputBatches(model: model, inputs: inputs, images: imageOptions, console: console,
                                      quiet: quiet || json, shard: shard.map { ($0.index, $0.count) })
        let engine = try Engine(model: model, options: EngineOptions(threads: threads))

        var collector = StatisticsCollector(rows: rows, model: model, engine: engine, threads: threads, channelsFirst: true)
        let progress = ProgressReporter(console: console, quiet: quiet)
        defer { progress.finish() }
        while let batch = try source.next() {
            try engine.run(inputs: batch.feeds, capture: collector.captureRows) { row, tensor in try collector.add(row, tensor) }
            collector.count(batch)
            if source.totalImages > 0 { progress.update(done: source.consumed, total: source.totalImages, unit: "images") }
        }
        progress.finish()
        let statistics = collector.layers
        let inputCount = collector.inputs

        let skipped = source.skipped.map(\.file)
        let document = StatisticsDocument(
            model: (modelPath as NSString).lastPathComponent, layout: model.layout, inputs: inputCount, skipped: skipped,
            layers: statistics)
        if let staged {
            try Self.writeFolder(document, into: staged, modelPath: modelPath, format: format, inputs: inputCount)
        }
        if let log {
            for layer in statistics { try log.statistics(layer) }
            try log.commit()
        }
        if json {
            // The document without `rendered()`'s closing newline, which `print` adds: trimming it with
            // Foundation bridged the whole string (a few MB with every layer's histogram), 4 % of a short run.
            console.print(document.json.rendered(pretty: true))
        } else if !quiet {
            StatsTable.print(document, on: console)
        }
        if !quiet {
            var line = "strata: statistics of \(statistics.count) layer output\(statistics.count == 1 ? "" : "s") over \(inputCount) input\(inputCount == 1 ? "" : "s")"
            if let shard { line += " (shard \(shard))" }
            if let outDir { line += "; wrote \(outDir)/\(Self.documentName) and pictures (\(outDir)/\(PictureIndexPage.fileName))" }
            if let report = log?.report("the histograms and scalars") { line += "; " + report }
            if !skipped.isEmpty { line += "; skipped \(skipped.count): " + skipped.joined(separator: ", ") }
            console.printError(line + "\n")
        }
    }

    static let documentName = "stats.json"

    /// stats.json, a histogram picture per layer, manifest.json and index.html.
    static func writeFolder(_ document: StatisticsDocument, into staged: StagedFolder, modelPath: String,
                            format: PictureFormat, inputs: Int) throws {
        var manifest = PictureManifest(model: modelPath, inputs: [])
        var page = PictureIndexPage(
            title: "Activation statistics of \((modelPath as NSString).lastPathComponent)",
            subtitle: ["model: \(modelPath)", "\(inputs) input\(inputs == 1 ? "" : "s"); statistics: \(documentName)"])
        for layer in document.layers {
            let s = layer.statistics
            guard let picture = try histogramPicture(layer) else { continue }
            let file = try staged.write(try picture.render(format: format), name: CaptureWriter.baseName(for: layer.output) + "-histogram",
                                        fileExtension: format.pathExtension)
            manifest.files.append(.init(
                layer: layer.output.layer, tensor: layer.output.tensor, output: layer.output.output, image: nil, kind: .histogram,
                file: file, shape: s.shape.map { $0 ?? -1 }, min: s.minimum, max: s.maximum))
            page.sections.append(.init(heading: "\(layer.output.layer) (\(layer.output.op))", pictures: [.init(file: file, caption: picture.title)]))
        }
        try staged.commit(last: [
            (documentName, Array(document.rendered().utf8)),
            (PictureManifest.fileName, Array((manifest.json.rendered() + "\n").utf8)),
            (PictureIndexPage.fileName, Array(page.rendered().utf8)),
        ])
    }

    /// The layer's histogram picture; nil when it saw no finite value.
    static func histogramPicture(_ layer: LayerStatistics) throws -> Histogram? {
        let s = layer.statistics
        var notes: [String] = []
        if s.nanCount > 0 { notes.append("\(s.nanCount) NaN") }
        if s.infCount > 0 { notes.append("\(s.infCount) ±Inf") }
        if !s.deadChannels.isEmpty { notes.append("\(s.deadChannels.count) of \(s.channelMaxima.count) units dead") }
        if !s.saturatedChannels.isEmpty { notes.append("\(s.saturatedChannels.count) of \(s.channelMaxima.count) units saturated") }
        let shape = "[" + s.shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
        return try HistogramPicture.make(
            title: "\(layer.output.layer) (\(layer.output.op)) \(shape)", notes: notes, histogram: s.histogram, count: s.finiteCount,
            mean: s.mean, std: s.std, min: s.minimum, max: s.maximum, xLabel: "activation")
    }
}

/// `--shard I/N`: the I-th of N slices (0 ≤ I < N).
public struct Shard: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    static let maxCount = 1_000_000

    public init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= Self.maxCount, i >= 0, i < n else {
            return nil
        }
        index = i
        count = n
    }

    public var description: String { "\(index)/\(count)" }
}

extension PictureFormat: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}
