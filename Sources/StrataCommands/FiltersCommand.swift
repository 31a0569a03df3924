import ArgumentParser
import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataExport
import StrataRender

/// `strata filters`: what layers learned, drawn from their weights: convolution kernels as a grid of
/// tiles (colour tiles for a first layer reading RGB), dense kernels as an input × output heatmap,
/// and each layer's weight histogram. Needs no input.
public struct FiltersCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "filters",
        abstract: "Draw convolution and dense kernels and their weight histograms.",
        discussion: """
            One tile per output channel: the kernel averaged over the input channels it reads, or input \
            channel K alone with --input-channel K; signed values on a diverging colour map centred on 0 \
            (one symmetric scale per layer). A convolution reading the 3 channels of the image directly \
            gets colour tiles (each tile scaled from its min to its max). Keras (HWIO) and ONNX (OIHW) \
            kernels alike. Without --layer, every layer with a kernel is drawn. The tiles are also \
            written as .npy ([out, kh, kw] or [out, kh, kw, 3]; a dense kernel [in, out]). With --tensorboard \
            LOGDIR the pictures and the weight histograms also go into a new TensorBoard events file \
            (Docs/TensorBoard.md).
            """
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("layer"), help: ArgumentHelp("A layer to draw: name or glob (default: every layer with a kernel).", valueName: "selector"))
    public var layers: [String] = []

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder to write into (created if missing).", valueName: "dir"))
    public var outDir: String

    @Option(name: .customLong("input-channel"), help: ArgumentHelp("Show this input channel of each kernel instead of the mean over input channels.", valueName: "k"))
    public var inputChannel: Int?

    @Option(help: ArgumentHelp("Diverging colour map for signed weights.", valueName: "name"))
    public var cmap: ColorMapArgument = ColorMapArgument(argument: "RdBu_r")!

    @Option(help: ArgumentHelp("Picture format: png, svg or pdf.", valueName: "format"))
    public var format: PictureFormat = .png

    @Flag(help: "No summary output.")
    public var quiet = false

    @Flag(help: "Print the manifest as JSON on standard output.")
    public var json = false

    @OptionGroup(title: "TensorBoard")
    public var tensorBoard: TensorBoardOptions

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if outDir.isEmpty { throw ValidationError("--out must not be empty") }
        if let inputChannel, inputChannel < 0 { throw ValidationError("--input-channel must be at least 0") }
    }

    public func execute(on console: Console) throws {
        let model = try ModelLoader.load(modelPath, config: config)
        let graph = model.graph
        var names: [String] = []
        var seen = Set<String>()
        let rows = try layers.isEmpty ? graph.captureTable : graph.resolve(layers.map { LayerSelector(parsing: $0) })
        var classes: [String: String] = [:]
        for row in rows where seen.insert(row.layer).inserted {
            names.append(row.layer)
            classes[row.layer] = row.op
        }

        var found: [(layer: String, kernels: [LayerKernel])] = []
        for name in names {
            do {
                found.append((name, try LayerKernel.find(layer: name, in: graph)))
            } catch let error as StrataError where layers.isEmpty && error.message.hasPrefix("has no convolution or dense kernel") {
                continue  // Without --layer, layers without kernels are simply not drawn.
            }
        }
        if found.isEmpty {
            throw StrataError(.invalidInput, layers.isEmpty ? "the model has no convolution or dense kernels" : "none of the layers has a kernel")
        }

        let folder = try StagedFolder(destination: outDir, reserved: [PictureManifest.fileName, PictureIndexPage.fileName])
        let log = try tensorBoard.open()
        var manifest = PictureManifest(model: modelPath)
        var sections: [PictureIndexPage.Section] = []
        for (layer, kernels) in found {
            for kernel in kernels {
                let base = Self.baseName(of: kernel, among: kernels.count)
                var section = PictureIndexPage.Section(heading: "\(layer) · \(classes[layer] ?? kernel.opType) \(Self.sourceShape(kernel, model.layout))")
                func add(_ kind: PictureManifest.Kind, _ file: String, shape: [Int], values: [Float], caption: String, picture: Bool) {
                    let range = MapPainter.range([values])
                    manifest.files.append(.init(
                        layer: layer, tensor: kernel.node, output: 0, image: nil, kind: kind, file: file, shape: shape,
                        min: range.map { Double($0.lowerBound) }, max: range.map { Double($0.upperBound) }))
                    if picture { section.pictures.append(.init(file: file, caption: caption)) } else { section.links.append(.init(file: file, caption: caption)) }
                }
                do {
                    try draw(kernel, base: base, op: classes[layer] ?? kernel.opType, sourceLayout: model.layout, into: folder,
                             tensorBoard: log, add: add)
                } catch let error as StrataError {
                    throw error.located(ErrorLocation(node: layer))
                }
                sections.append(section)
            }
        }
        let page = PictureIndexPage(title: "Filters of \((modelPath as NSString).lastPathComponent)", subtitle: ["model: \(modelPath)"],
                                    sections: sections)
        try folder.commit(last: [
            (PictureManifest.fileName, Array((manifest.json.rendered() + "\n").utf8)),
            (PictureIndexPage.fileName, Array(page.rendered().utf8)),
        ])
        try log?.commit()
        if json {
            console.print(manifest.json.rendered())
        } else if !quiet {
            console.print("wrote \(manifest.files.count) files for \(found.count) layer\(found.count == 1 ? "" : "s") to \(outDir) (open \(outDir)/\(PictureIndexPage.fileName))")
            if let report = log?.report("the filters and weight histograms") { console.print(report) }
        }
    }

    /// Draws one kernel into `folder`; pictures other than the weight histogram also go to
    /// `tensorBoard` as `BASE/SUFFIX` images, the weights as the histogram `BASE/weights`.
    private func draw(_ kernel: LayerKernel, base: String, op: String, sourceLayout: ActivationLayout, into folder: StagedFolder,
                      tensorBoard: TensorBoardLog?, add: (PictureManifest.Kind, String, [Int], [Float], String, Bool) -> Void) throws {
        let title = "\(kernel.layer) (\(op)) kernel \(Self.sourceShape(kernel, sourceLayout))"
        func write(_ picture: some Picture, _ suffix: String, log: Bool = true) throws -> String {
            let bytes = try picture.render(format: format)
            if log { try tensorBoard?.image(TensorBoardLog.tag(base, suffix), picture, png: format == .png ? bytes : nil) }
            return try folder.write(bytes, name: base + "-" + suffix, fileExtension: format.pathExtension)
        }
        switch kernel.kind {
        case .dense:
            let tiles = try kernel.tiles(inputChannel: inputChannel)
            let values = tiles.tiles[0]
            let matrix = try FloatMap(height: tiles.height, width: tiles.width, values: values)
            let heatmap = Heatmap(
                title: title, subtitle: "\(tiles.height) inputs × \(tiles.width) units · symmetric scale ±\(StatsTable.number(Double(tiles.limit)))",
                matrix: matrix, rowLabel: "input", columnLabel: "unit", colorMap: cmap.map, scale: .symmetric(limit: Double(tiles.limit)),
                valueLabel: "weight")
            add(.heatmap, try write(heatmap, "kernel"), [tiles.height, tiles.width], values, "\(kernel.layer): dense kernel", true)
            let npy = try folder.writeNPY(Tensor(values, shape: [tiles.height, tiles.width]), name: base + "-kernel")
            add(.heatmap, npy, [tiles.height, tiles.width], values, "\(kernel.layer): dense kernel (.npy)", false)
        case .convolution, .transposedConvolution:
            let rgb = kernel.showsRGB && inputChannel == nil
            let tiles = try rgb ? kernel.rgbTiles() : kernel.tiles(inputChannel: inputChannel)
            let flat = tiles.tiles.flatMap { $0 }
            let shape = [tiles.tiles.count, tiles.height, tiles.width] + (rgb ? [3] : [])
            let grid: FeatureGrid
            let which = inputChannel.map { "input channel \($0)" } ?? (rgb ? "RGB of the input image" : "mean over \(kernel.inputChannelsPerGroup) input channel\(kernel.inputChannelsPerGroup == 1 ? "" : "s")")
            if rgb {
                let tileMaps = try tiles.tiles.map { tile -> FeatureGrid.RGBTile in
                    let size = tiles.height * tiles.width
                    let planes = try (0 ..< 3).map { c in
                        try FloatMap(height: tiles.height, width: tiles.width, values: (0 ..< size).map { tile[$0 * 3 + c] })
                    }
                    return try FeatureGrid.RGBTile(red: planes[0], green: planes[1], blue: planes[2])
                }
                grid = FeatureGrid(title: title, subtitle: "\(tiles.tiles.count) filters · \(which) · each tile min → max",
                                   tiles: .rgb(tileMaps), colorMap: cmap.map, scale: .perTile, valueLabel: "weight")
            } else {
                let maps = try tiles.tiles.map { try FloatMap(height: tiles.height, width: tiles.width, values: $0) }
                grid = FeatureGrid(title: title, subtitle: "\(tiles.tiles.count) filters · \(which) · symmetric scale ±\(StatsTable.number(Double(tiles.limit)))",
                                   tiles: .maps(maps), colorMap: cmap.map, scale: .symmetric(limit: Double(tiles.limit)), valueLabel: "weight")
            }
            add(.grid, try write(grid, "filters"), shape, flat, "\(kernel.layer): \(tiles.tiles.count) filters", true)
            let npy = try folder.writeNPY(Tensor(flat, shape: shape), name: base + "-filters")
            add(.grid, npy, shape, flat, "\(kernel.layer): filter tiles (.npy)", false)
        }
        let summary = KernelWeights(kernel)
        if let picture = try HistogramPicture.make(
            title: "\(kernel.layer) (\(op)) weights \(Self.sourceShape(kernel, sourceLayout))", notes: [], histogram: summary.histogram,
            count: summary.count, mean: summary.mean, std: summary.std, min: summary.min, max: summary.max, xLabel: "weight") {
            add(.histogram, try write(picture, "weights-histogram", log: false), kernel.weight.shape, kernel.weight.floats(),
                "\(kernel.layer): weight histogram", true)
        }
        try tensorBoard?.weights(summary, name: base)
    }

    /// The name a kernel's files and TensorBoard tags start with: its layer's name, followed by `-` and
    /// the last part of its node's name when the layer has several kernels.
    static func baseName(of kernel: LayerKernel, among count: Int) -> String {
        count == 1 ? kernel.layer : kernel.layer + "-" + String(kernel.node.split(separator: "/").last ?? "")
    }

    /// The kernel's shape as its source framework writes it: Keras stores convolution kernels as
    /// `[k…, in, out]` (transposed ones `[k…, out, in]`), ONNX as `[out, in, k…]` (`[in, out, k…]`).
    static func sourceShape(_ kernel: LayerKernel, _ layout: ActivationLayout) -> String {
        let s = kernel.weight.shape
        guard layout == .nhwc, kernel.kind != .dense, s.count >= 3 else { return shape(s) + (kernel.kind == .dense ? " (in, out)" : "") }
        return shape(Array(s.dropFirst(2)) + [s[1], s[0]])
    }

    static func shape(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}
