import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataExport
import StrataImage
import StrataRender

/// `strata maps`: what chosen layers see in each input, as pictures: a grid of every channel, the
/// mean and max over channels (also as `.npy`), optionally blended over the input image; bar charts
/// for vectors and time × channel heatmaps for sequences.
public struct MapsCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "maps",
        abstract: "Draw feature maps of layers for images or arrays: channel grids, mean/max maps, overlays.",
        discussion: """
            For each captured layer and each input: a grid of its channels (channel axis last for Keras \
            models, first for ONNX), the mean and the max over channels as pictures and as .npy, and with \
            --overlay those maps blended over the input image. Dense outputs get a bar chart of their \
            units, sequences a steps × channels heatmap. With several inputs each gets its own subfolder. \
            DIR/manifest.json lists every file; DIR/index.html shows them all. Files are staged and moved \
            in when everything succeeded. Docs/Pictures.md describes the pictures. With --tensorboard LOGDIR \
            the pictures also go into a new TensorBoard events file as PNG images (Docs/TensorBoard.md).
            """
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor: FILE.npy or NAME=FILE.npy.", valueName: "input"))
    public var inputs: [String] = []

    @Option(name: .customLong("layer"), help: ArgumentHelp("A layer to draw: name, tensor name or glob.", valueName: "selector"))
    public var layers: [String] = []

    @Flag(help: "Draw every layer.")
    public var all = false

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder to write into (created if missing).", valueName: "dir"))
    public var outDir: String

    @Option(help: ArgumentHelp("Only these channels in the grids, e.g. 0-31 (clipped to each layer's channels).", valueName: "first-last"))
    public var channels: ChannelRange?

    @Option(help: ArgumentHelp("Colour map: \(ColorMapArgument.allValueStrings.joined(separator: ", ")).", valueName: "name"))
    public var cmap: ColorMapArgument = ColorMapArgument(argument: "viridis")!

    @Option(help: ArgumentHelp("Grid colour scale: channel (each tile its own min-max), layer (one scale), none (fixed 0-1).", valueName: "mode"))
    public var normalize: MapNormalization = .channel

    @Flag(help: "Also blend the mean and max maps over the input image (jet, alpha 0.4).")
    public var overlay = false

    @Flag(name: .customLong("overlay-channels"), help: "Also blend every shown channel over the input image.")
    public var overlayChannels = false

    @Option(help: ArgumentHelp("Picture format: png, svg or pdf.", valueName: "format"))
    public var format: PictureFormat = .png

    @Option(help: "Threads for kernels and BLAS (default: all cores).")
    public var threads: Int?

    @Flag(help: "No progress or summary output.")
    public var quiet = false

    @Flag(help: "Print the manifest as JSON on standard output.")
    public var json = false

    @OptionGroup(title: "Images")
    public var imageOptions: ImageOptions

    @OptionGroup(title: "TensorBoard")
    public var tensorBoard: TensorBoardOptions

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if outDir.isEmpty { throw ValidationError("--out must not be empty") }
        if layers.isEmpty && !all { throw ValidationError("give --layer (name, tensor or glob; repeatable) or --all") }
        if (overlay || overlayChannels) && imageOptions.isEmpty {
            throw ValidationError("--overlay needs images (--image or --images) to draw over")
        }
    }

    public func execute(on console: Console) throws {
        let model = try ModelLoader.load(modelPath, config: config)
        let rows = try model.graph.resolve(all ? [.all] : layers.map { LayerSelector(parsing: $0) })
        let source = try InputBatches(model: model, inputs: inputs, images: imageOptions, console: console, quiet: quiet || json)
        let engine = try Engine(model: model, options: EngineOptions(threads: threads))
        let folder = try StagedFolder(destination: outDir, reserved: [PictureManifest.fileName, PictureIndexPage.fileName])
        let log = try tensorBoard.open()
        let painter = MapPainter(
            layout: model.layout, channels: channels, colorMap: cmap.map, normalization: normalize, overlay: overlay,
            overlayChannels: overlayChannels, format: format)

        var manifest = PictureManifest(model: modelPath)
        var sections: [PictureIndexPage.Section] = []
        var folderNames = FolderNames()
        var notes: [String] = []
        var inputCount = 0
        let progress = ProgressReporter(console: console, quiet: quiet)
        defer { progress.finish() }
        while let batch = try source.next() {
            let subjects = try Self.subjects(of: batch, oneInput: !source.isDataset && batch.index == 0, folders: &folderNames)
            manifest.inputs += subjects.map(\.name)
            var written = [[MapPainter.Written]](repeating: [], count: subjects.count)
            try engine.run(inputs: batch.feeds, capture: rows) { row, tensor in
                // An activation whose leading axis is not the batch (a Reshape that folds it) is drawn once.
                let perImage = tensor.rank >= 2 && tensor.shape[0] == subjects.count
                for b in 0 ..< (perImage ? subjects.count : 1) {
                    var subject = subjects[b]
                    if !perImage && subjects.count > 1 { subject.image = nil }
                    written[b].append(try painter.draw(row, tensor, image: perImage ? b : 0, subject: subject, into: folder,
                                                       tensorBoard: log))
                }
            }
            for (subject, results) in zip(subjects, written) {
                for (row, result) in zip(rows, results) {
                    manifest.files += result.rows
                    if let note = result.note, !notes.contains(note) { notes.append(note) }
                    guard !result.pictures.isEmpty || !result.links.isEmpty else { continue }
                    sections.append(.init(heading: "\((subject.name as NSString).lastPathComponent) · \(row.layer) (\(row.op))",
                                          pictures: result.pictures, links: result.links))
                }
            }
            inputCount += subjects.count
            if source.isDataset { progress.update(done: source.consumed, total: source.totalImages, unit: "images") }
        }
        progress.finish()

        let page = PictureIndexPage(
            title: "Feature maps of \((modelPath as NSString).lastPathComponent)",
            subtitle: ["model: \(modelPath)", "inputs: \(manifest.inputs.count)", "layers: \(rows.map(\.layer).joined(separator: ", "))"],
            sections: sections)
        try folder.commit(last: [
            (PictureManifest.fileName, Array((manifest.json.rendered() + "\n").utf8)),
            (PictureIndexPage.fileName, Array(page.rendered().utf8)),
        ])
        try log?.commit()
        if !quiet { notes.forEach { console.printError("strata: note: \($0)\n") } }
        if json {
            console.print(manifest.json.rendered())
        } else if !quiet {
            var line = "wrote \(manifest.files.count) file\(manifest.files.count == 1 ? "" : "s") for \(rows.count) layer output\(rows.count == 1 ? "" : "s") and \(inputCount) input\(inputCount == 1 ? "" : "s") to \(outDir) (open \(outDir)/\(PictureIndexPage.fileName))"
            if !source.skipped.isEmpty {
                line += "; skipped \(source.skipped.count): " + source.skipped.map(\.file).joined(separator: ", ")
            }
            console.print(line)
            if let report = log?.report("the pictures") { console.print(report) }
        }
    }

    /// Unique subfolder names, one per input (the image file's name without its extension, numbered
    /// on clashes); none when the whole run has a single input.
    struct FolderNames {
        private var used: Set<String> = []

        mutating func name(for file: String) -> String {
            let name = (file as NSString).lastPathComponent
            let stem = (name as NSString).deletingPathExtension
            let base = stem.isEmpty ? name : stem
            var candidate = base, n = 2
            while !used.insert(candidate.lowercased()).inserted {
                candidate = "\(base)-\(n)"
                n += 1
            }
            return candidate
        }
    }

    /// The inputs of a batch: its image files, or the elements of its `.npy` batch (named
    /// `x.npy[k]`, in subfolders `x-k`).
    static func subjects(of batch: InputBatch, oneInput: Bool, folders: inout FolderNames) throws -> [MapPainter.Subject] {
        var names: [String] = []
        var folderKeys: [String] = []
        if batch.images.isEmpty {
            let file = batch.files.first ?? "input"
            let size = batch.feeds.values.compactMap { $0.rank > 0 ? $0.shape[0] : nil }.max() ?? 1
            let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            names = size == 1 ? [file] : (0 ..< size).map { "\(file)[\($0)]" }
            folderKeys = size == 1 ? [file] : (0 ..< size).map { "\(stem)-\($0)" }
        } else {
            names = batch.files
            folderKeys = batch.files
        }
        let flat = oneInput && names.count == 1
        return try names.indices.map { index in
            let image = index < batch.images.count ? batch.images[index] : nil
            return MapPainter.Subject(
                name: names[index], folder: flat ? nil : folders.name(for: folderKeys[index]),
                image: try image.map { try StrataRender.RasterImage(width: $0.width, height: $0.height, channels: $0.channels, pixels: $0.pixels) })
        }
    }
}
