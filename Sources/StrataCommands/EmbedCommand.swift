import ArgumentParser
import Foundation
import StrataAnalysis
import StrataCore
import StrataEmbedding
import StrataEngine
import StrataExport
import StrataRender

/// `strata embed`: one layer's activations over a whole set of inputs, embedded in 2 or 3
/// dimensions by PCA, t-SNE or UMAP, written as arrays, a table, a scatter plot coloured by label,
/// and TensorBoard projector files.
public struct EmbedCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed one layer's activations over many inputs with PCA, t-SNE or UMAP: arrays, a scatter plot, TensorBoard projector files.",
        discussion: """
            The model runs over the inputs batch by batch; each input's activation of the layer \
            becomes one feature vector (--pool flatten keeps every value, mean/max pool the spatial \
            axes per channel), and only the N × D float32 feature matrix is kept. DIR receives \
            embedding.npy (N × dims float32), embedding.csv (file, label, coordinates), \
            scatter.png|svg|pdf (points coloured by label; --thumbnails draws the input images), \
            manifest.json, index.html, and projector/ for `tensorboard --logdir DIR/projector`. \
            With --tensorboard LOGDIR the scatter plot and the method's numbers (t-SNE's KL divergence, \
            PCA's explained variance) go into a new events file, and the projector files into LOGDIR (or \
            LOGDIR/NAME with --run), added to its projector_config.pbtxt (Docs/TensorBoard.md). \
            Methods, defaults and exact definitions: Docs/Embeddings.md.
            """
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input batch: FILE.npy or NAME=FILE.npy (each element along axis 0 is one input).", valueName: "input"))
    public var inputs: [String] = []

    @Option(name: .customLong("layer"), help: ArgumentHelp("The layer to embed: name, tensor name or glob matching exactly one output.", valueName: "selector"))
    public var layer: String

    @Option(help: ArgumentHelp("pca, tsne or umap.", valueName: "method"))
    public var method: EmbeddingMethod = .tsne

    @Option(help: ArgumentHelp("A CSV with columns file,label (paths relative to the CSV's folder; row indices for --input).", valueName: "file.csv"))
    public var labels: String?

    @Flag(name: .customLong("labels-from-folders"), help: "Label each image by the name of its folder.")
    public var labelsFromFolders = false

    @Option(help: ArgumentHelp("flatten (every value), mean or max (per channel over the spatial axes).", valueName: "mode"))
    public var pool: FeaturePooling = .flatten

    @Option(help: ArgumentHelp("Dimensions of the embedding: 2 or 3.", valueName: "n"))
    public var dims = 2

    @Option(help: ArgumentHelp("Seed of the random choices (t-SNE, UMAP, NN-descent).", valueName: "n"))
    public var seed: UInt64 = 0

    @Option(help: ArgumentHelp("t-SNE perplexity.", valueName: "p"))
    public var perplexity = 30.0

    @Option(help: ArgumentHelp("UMAP neighbours (the input itself counted).", valueName: "k"))
    public var neighbors = 15

    @Option(name: .customLong("min-dist"), help: ArgumentHelp("UMAP minimum distance.", valueName: "d"))
    public var minDist = 0.1

    @Flag(help: "Draw each input's image instead of a dot in the scatter plot.")
    public var thumbnails = false

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder to write into (created if missing).", valueName: "dir"))
    public var outDir: String

    @Option(help: ArgumentHelp("Scatter plot format: png, svg or pdf.", valueName: "format"))
    public var format: PictureFormat = .png

    @Option(help: "Threads for kernels, BLAS and the embedding (default: all cores).")
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
        guard dims == 2 || dims == 3 else { throw ValidationError("--dims must be 2 or 3") }
        if labels != nil && labelsFromFolders { throw ValidationError("give --labels or --labels-from-folders, not both") }
        if labelsFromFolders && imageOptions.isEmpty { throw ValidationError("--labels-from-folders needs images (--images or --image)") }
        if thumbnails && imageOptions.isEmpty { throw ValidationError("--thumbnails needs images (--images or --image) to draw") }
        guard perplexity > 0, perplexity.isFinite else { throw ValidationError("--perplexity must be positive") }
        guard neighbors >= 2 else { throw ValidationError("--neighbors must be at least 2") }
        guard minDist >= 0, minDist <= 1 else { throw ValidationError("--min-dist must be within 0...1") }
    }

    static let reserved = [PictureManifest.fileName, PictureIndexPage.fileName]

    public func execute(on console: Console) throws {
        let model = try ModelLoader.load(modelPath, config: config)
        let rows = try model.graph.resolve([LayerSelector(parsing: layer)])
        guard rows.count == 1 else {
            throw StrataError(.invalidInput, "--layer '\(layer)' matches \(rows.count) outputs (\(rows.prefix(5).map(\.layer).joined(separator: ", "))\(rows.count > 5 ? ", …" : "")); embed one at a time")
        }
        let row = rows[0]
        let labelTable = try labels.map { try EmbeddingLabels(csv: $0) }
        let folder = try StagedFolder(destination: outDir, reserved: Self.reserved)
        let log = try tensorBoard.open()
        if let log { try TensorBoardProjector.checkConfig(inRun: log.writer.directory) }
        let source = try InputBatches(model: model, inputs: inputs, images: imageOptions, console: console, quiet: quiet || json)
        let engine = try Engine(model: model, options: EngineOptions(threads: threads))
        let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount

        let collected = try collect(from: source, engine: engine, row: row, layout: model.layout, console: console)
        defer { MemoryLimit.release(collected.reservedBytes) }
        let inputLabels = (0 ..< collected.features.rows).map { i -> String? in
            if labelsFromFolders, let file = collected.files[i] { return EmbeddingLabels.folderLabel(of: file) }
            return labelTable?.label(file: collected.files[i], index: i)
        }
        if let labelTable, !quiet && !json {
            let missing = inputLabels.filter { $0 == nil }.count
            if missing > 0 {
                console.printError("strata: warning: \(missing) of \(inputLabels.count) inputs have no label in \(labelTable.source)\n")
            }
        }
        if !quiet && !json {
            console.printError("strata: \(collected.features.rows) inputs × \(collected.features.columns) features from '\(row.layer)' (\(pool.rawValue))\n")
        }
        let embedding = try run(collected.features, threads: threadCount, console: console)
        try write(embedding, collected: collected, labels: inputLabels, row: row, source: source, into: folder, log: log, console: console)
    }
}
