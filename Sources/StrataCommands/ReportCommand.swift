import ArgumentParser
import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataExport
import StrataRender

/// `strata report`: one self-contained HTML page per model and input (or dataset): the architecture
/// as an inline SVG whose nodes open each layer's panel, and per layer its feature maps (as `maps`
/// draws them), its histogram and statistics (as `stats` computes them), dead and saturated units,
/// with anomalies flagged in the diagram; the model's top-5 prediction with its class activation
/// maps; with `--compare`, `strata compare`'s table and the diagram coloured by divergence.
public struct ReportCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page: the architecture, every layer's pictures and statistics, the prediction and its class activation maps.",
        discussion: """
            Runs the model on the input (--image, --input) or over a dataset (--images, statistics over all of \
            it, pictures of --samples inputs spread over it) and writes one HTML file that needs no server and \
            loads nothing: the diagram as inline SVG (click a layer, search by name, arrow keys or j/k to move), \
            a panel per layer with its feature maps, histogram and statistics, layers with NaN/Inf, mostly dead \
            or saturated units outlined in the diagram, and the top-5 classes with their class activation \
            maps (--cam-methods, on the layer strata cam --layer auto chooses or --cam-layer; radio buttons \
            choose the method shown). --compare OTHER adds strata compare's per-layer table on the first \
            input, divergent layers coloured in the diagram. Pictures are PNG data URIs; \
            --max-channels and --max-size keep the page small. Docs/Report.md describes it.
            """
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor: FILE.npy or NAME=FILE.npy.", valueName: "input"))
    public var inputs: [String] = []

    @Option(name: .customLong("layer"), help: ArgumentHelp("Layers to include: name, tensor name or glob (default: every layer).", valueName: "selector"))
    public var layers: [String] = []

    @Option(name: .customLong("class-names"), help: ArgumentHelp("Class names for the prediction, one per line.", valueName: "file"))
    public var classNames: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The HTML file to write.", valueName: "report.html"))
    public var output: String

    @Option(name: .customLong("cam-methods"), help: ArgumentHelp(
        "Class activation map methods shown with the prediction, comma-separated: \(CAMMethod.allCases.map(\.rawValue).joined(separator: ", ")) (scorecam, a forward run per channel, only when listed).",
        valueName: "list"))
    public var camMethods = ReportCAM.defaultMethods.map(\.rawValue).joined(separator: ",")

    @Option(name: .customLong("cam-layer"), help: ArgumentHelp("The layer of the class activation maps: auto (as strata cam chooses), or a layer or tensor name.", valueName: "auto|name"))
    public var camLayer = "auto"

    @Flag(name: .customLong("no-cam"), help: "No class activation maps.")
    public var noCAM = false

    @Option(help: ArgumentHelp("Another model to compare with layer by layer, as strata compare does on the first input (or batch).", valueName: "other-model"))
    public var compare: String?

    @Option(name: .customLong("compare-map"), help: ArgumentHelp("With --compare: how layers are matched, as strata compare --map.", valueName: "auto|names|values|layer-map|file"))
    public var compareMap = "auto"

    @Flag(help: "With --compare: the other model is an approximate copy (cosine ≥ 0.99), as strata compare --approximate.")
    public var approximate = false

    @Option(name: .customLong("max-channels"), help: ArgumentHelp("Channels shown in each layer's grid.", valueName: "n"))
    public var maxChannels = 16

    @Option(help: ArgumentHelp("With --images: inputs whose pictures are shown (spread evenly over the dataset).", valueName: "n"))
    public var samples = 4

    @Option(name: .customLong("max-size"), help: ArgumentHelp("Largest page in MB; pictures beyond it are left out (and said so).", valueName: "mb"))
    public var maxSize = 20

    @Option(help: ArgumentHelp("Colour map: \(ColorMapArgument.allValueStrings.joined(separator: ", ")).", valueName: "name"))
    public var cmap: ColorMapArgument = ColorMapArgument(argument: "viridis")!

    @Option(help: "Threads for kernels and BLAS (default: all cores).")
    public var threads: Int?

    @Flag(help: "No progress or summary output.")
    public var quiet = false

    @Flag(help: "Print a summary of the report as JSON on standard output.")
    public var json = false

    @OptionGroup(title: "Images")
    public var imageOptions: ImageOptions

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    static let maxClassNamesBytes = 64 << 20

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if output.isEmpty { throw ValidationError("-o must not be empty") }
        guard (1 ... 1024).contains(maxChannels) else { throw ValidationError("--max-channels must be 1...1024") }
        guard (1 ... 64).contains(samples) else { throw ValidationError("--samples must be 1...64") }
        guard (1 ... 2048).contains(maxSize) else { throw ValidationError("--max-size must be 1...2048 (MB)") }
        if inputs.isEmpty && imageOptions.isEmpty { throw ValidationError("give an input: --image, --images or --input") }
        _ = try parsedCAMMethods()
        if camLayer.isEmpty { throw ValidationError("--cam-layer must not be empty") }
        if compare?.isEmpty == true { throw ValidationError("--compare must not be empty") }
    }

    /// `--cam-methods`, in the order given, without repeats.
    func parsedCAMMethods() throws -> [CAMMethod] {
        var methods: [CAMMethod] = []
        for name in camMethods.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let method = CAMMethod(rawValue: name) else {
                throw ValidationError("--cam-methods: unknown method '\(name)' (known: \(CAMMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !methods.contains(method) { methods.append(method) }
        }
        guard !methods.isEmpty else { throw ValidationError("--cam-methods lists no method (use --no-cam for none)") }
        return methods
    }

    public func execute(on console: Console) throws {
        let readInputs = [modelPath] + [config, classNames, compare].compactMap { $0 } + inputs.map { $0.split(separator: "=", maxSplits: 1).last.map(String.init) ?? $0 }
            + imageOptions.images
        try OutputFile.check(output, notOverwriting: readInputs)
        let model = try ModelLoader.load(modelPath, config: config)
        let graph = model.graph
        let rows = try layers.isEmpty ? graph.captureTable : graph.resolve(layers.map { LayerSelector(parsing: $0) })
        guard !rows.isEmpty else { throw StrataError(.invalidInput, "the model has no layers to report") }
        let names = try classNames.map(Self.readClassNames) ?? []

        let diagram = try Diagram(model: model)
        let svg = try GraphvizRenderer().svg(DOTWriter.render(diagram, options: DiagramOptions()))
        var boxOfLayer: [String: String] = [:]
        for box in diagram.boxes where box.role == .layer && boxOfLayer[box.name] == nil { boxOfLayer[box.name] = box.id }
        var parameters: [String: Int] = [:]
        for layer in model.sourceLayers { parameters[layer.name] = layer.parameters }

        // The first graph output's activation gives the prediction, captured whether or not it is reported.
        let predictionRow = graph.outputs.first.flatMap { out in graph.captureTable.last { $0.tensor == out.name } }
        var captured = rows
        if let predictionRow, !captured.contains(predictionRow) { captured.append(predictionRow) }

        let source = try InputBatches(model: model, inputs: inputs, images: imageOptions, console: console, quiet: quiet || json)
        let engine = try Engine(model: model, options: EngineOptions(threads: threads))
        var statistics = rows.map { LayerStatistics(output: $0, in: graph, layout: model.layout) }
        for i in statistics.indices {
            statistics[i].statistics.maxThreads = threads ?? ProcessInfo.processInfo.activeProcessorCount
            statistics[i].statistics.parallel = { [engine] n, body in engine.parallelFor(n, body) }
        }
        var slots: [LayerOutput: [Int]] = [:]
        for (i, row) in rows.enumerated() { slots[row, default: []].append(i) }
        let painter = ReportPictures(layout: model.layout, maxChannels: maxChannels, colorMap: cmap.map)
        let comparison = try compare.map { try self.comparison(with: $0, model: model, boxOfLayer: boxOfLayer, console: console) }

        var cam: ReportCAM?
        var camDescription = ""
        var camNotes: [String] = []
        var camOverlays: [ReportPage.ClassActivation.Overlay] = []
        var camLeftOut: [Int] = []
        if !noCAM {
            do {
                let (row, reason) = try ReportCAM.layer(camLayer, in: model, engine: engine)
                let convention: CAMConvention = model.layout == .nhwc ? .tfKerasVis : .pytorchGradCAM
                cam = ReportCAM(model: model, engine: engine, row: row, reason: reason, methods: try parsedCAMMethods(),
                                convention: convention, classNames: names, imageInput: source.plan?.input.name)
                camDescription = "Layer '\(row.layer)' (\(row.op)), \(reason); target: each input's top class (its logit); "
                    + "heat map over the input as strata cam draws it (Grad-CAM++ as \(convention.rawValue) defines it)."
            } catch let error as StrataError where camLayer == "auto" {
                camNotes.append("no class activation map: \(error.message)")
            }
        }

        let wanted = source.isDataset ? Self.spread(samples, over: source.totalImages) : []
        let plannedSamples = source.isDataset ? wanted.count : samples
        var sampleNames: [String] = []
        var pictures = [[ReportLayer.Picture]](repeating: [], count: rows.count)
        var predictions: [ReportPage.Prediction] = []
        var unpredicted: [String] = []
        var budget = Budget(limit: maxSize << 20, reserved: svg.utf8.count + 512 << 10)
        // Each layer's histogram is drawn after every input has been seen; keep room for them (about
        // 22 KB each as base64, at most 40 % of the page) while the maps are drawn.
        budget.hold(min(rows.count * 24 << 10, budget.left * 2 / 5))
        var inputCount = 0
        let progress = ProgressReporter(console: console, quiet: quiet || json)
        defer { progress.finish() }
        while let batch = try source.next() {
            let size = batch.images.isEmpty ? (batch.feeds.values.compactMap { $0.rank > 0 ? $0.shape[0] : nil }.max() ?? 1) : batch.images.count
            // Batch elements whose pictures are drawn, with their sample numbers.
            var drawn: [(element: Int, sample: Int)] = []
            for b in 0 ..< size {
                let position = inputCount + b
                let take = source.isDataset ? wanted.contains(position) : position < samples
                guard take else { continue }
                drawn.append((b, sampleNames.count))
                sampleNames.append(Self.inputName(batch, element: b, size: size))
            }
            if let layerCAM = cam, !drawn.isEmpty {
                do {
                    let result = try layerCAM.overlays(batch, drawn: drawn.map { ($0.element, $0.sample, sampleNames[$0.sample]) }) { pngs, _ in
                        budget.takeAll(pngs.map(\.count))
                    }
                    camOverlays += result.overlays
                    camLeftOut += result.leftOut
                    for note in result.notes where !camNotes.contains(note) { camNotes.append(note) }
                } catch let error as StrataError {
                    // No differentiable path to the layer, no image-like input: the page says so and goes on.
                    camNotes.append("no class activation map: \(error.message)")
                    cam = nil
                }
            }
            var rowsSeen = 0
            try engine.run(inputs: batch.feeds, capture: captured) { row, tensor in
                for i in slots[row] ?? [] {
                    try statistics[i].statistics.add(tensor)
                    rowsSeen += 1
                    guard tensor.rank >= 1, tensor.shape[0] == size else { continue }
                    for (b, sample) in drawn {
                        // Encoding pictures that cannot fit any more is most of the time on a large model.
                        guard budget.mayFit(shape: tensor.shape) else {
                            budget.leftOut += painter.pictureCount(tensor)
                            continue
                        }
                        // Each layer and sample still to come gets an equal share of what is left: where a
                        // whole set (grid, mean, max) would not fit in it, the mean map alone, so that a large
                        // model's later layers get a picture too instead of the first ones taking the page.
                        let draws = max(1, (rows.count - rowsSeen + 1) + rows.count * max(0, plannedSamples - sample - 1))
                        let meanOnly = !budget.fitsFullSet(share: budget.left / draws)
                        if meanOnly { budget.leftOut += max(0, painter.pictureCount(tensor) - 1) }
                        let drawnPictures = try painter.draw(row, tensor, image: b, sample: sample, inputName: sampleNames[sample],
                                                             meanOnly: meanOnly)
                        budget.drew(drawnPictures.map(\.png.count), shape: tensor.shape, fullSet: !meanOnly && drawnPictures.count > 1)
                        for picture in drawnPictures {
                            if budget.take(picture.png.count) { pictures[i].append(picture) } else { budget.leftOut += 1 }
                        }
                    }
                }
                if row == predictionRow {
                    for (b, sample) in drawn {
                        if let top = Self.topClasses(tensor, element: b, batch: size, names: names) {
                            predictions.append(.init(sample: sample, classes: top))
                        } else {
                            unpredicted.append(sampleNames[sample])
                        }
                    }
                }
            }
            inputCount += size
            if source.isDataset { progress.update(done: source.consumed, total: source.totalImages, unit: "images") }
        }
        progress.finish()
        guard inputCount > 0 else { throw StrataError(.invalidInput, "no input could be read (\(source.skipped.count) skipped)") }

        var panels: [ReportLayer] = []
        budget.releaseHeld()
        for (i, layer) in statistics.enumerated() {
            panels.append(try panel(layer, pictures: pictures[i], node: boxOfLayer[layer.output.layer],
                                    parameters: parameters[layer.output.layer], budget: &budget))
        }
        var notes: [String] = []
        if budget.leftOut > 0 {
            notes.append("\(budget.leftOut) picture\(budget.leftOut == 1 ? " was" : "s were") left out to keep the page under --max-size \(maxSize) MB")
        }
        if !unpredicted.isEmpty, let output = graph.outputs.first?.name {
            notes.append("no prediction for \(unpredicted.joined(separator: ", ")): output '\(output)' is not a finite float vector of class scores")
        }
        if !source.skipped.isEmpty {
            notes.append("skipped \(source.skipped.count) unreadable input\(source.skipped.count == 1 ? "" : "s"): " + source.skipped.map(\.file).joined(separator: ", "))
        }
        if !camLeftOut.isEmpty {
            let shown = Set(camOverlays.map(\.sample)).count
            camNotes.append("class activation maps for \(shown) of the \(sampleNames.count) inputs shown; the rest would not fit under --max-size \(maxSize) MB")
        }
        var classActivation: ReportPage.ClassActivation?
        if !noCAM {
            let methods = (try? parsedCAMMethods())?.map(\.rawValue).filter { m in camOverlays.contains { $0.method == m } } ?? []
            classActivation = ReportPage.ClassActivation(description: camOverlays.isEmpty ? "" : camDescription, methods: methods,
                                                         overlays: camOverlays, notes: camNotes)
        }
        let modelName = (modelPath as NSString).lastPathComponent
        let what = source.isDataset ? "statistics over \(inputCount) inputs; pictures of \(sampleNames.count)" : "\(inputCount) input\(inputCount == 1 ? "" : "s")"
        let page = ReportPage(
            title: "Strata report: \(modelName)",
            subtitle: ["model: \(modelPath) (\(model.format.rawValue), \(model.layout.rawValue))", "\(rows.count) layer outputs · \(what)"],
            diagramSVG: svg, samples: sampleNames, predictions: predictions, layers: panels, notes: notes,
            classActivation: classActivation, comparison: comparison)
        let html = Array(page.rendered().utf8)
        try AtomicFile.write(output, data: html, notOverwriting: readInputs)

        let flagged = panels.filter { !$0.flags.isEmpty }
        if json {
            console.print(JSONValue.object([
                ("report", .string(output)), ("bytes", .int(html.count)), ("layers", .int(panels.count)),
                ("inputs", .int(inputCount)), ("samples", .array(sampleNames.map(JSONValue.string))),
                ("pictures_left_out", .int(budget.leftOut)),
                ("cam", .object([("methods", .array((classActivation?.methods ?? []).map(JSONValue.string))),
                                 ("overlays", .int(camOverlays.count)), ("notes", .array(camNotes.map(JSONValue.string)))])),
                ("compare", comparison.map { c in .object([("rows", .int(c.rows.count)), ("unmatched", .int(c.unmatched.count)),
                                                            ("first_divergent", c.firstDivergent.map { .string(c.rows[$0].layer) } ?? .null)]) } ?? .null),
                ("flagged", .array(flagged.map { .object([("layer", .string($0.name)), ("flags", .array($0.flags.map { .string($0.rawValue) }))]) })),
            ]).rendered())
        } else if !quiet {
            console.printError("strata: wrote \(output) (\(Self.megabytes(html.count)), \(panels.count) layers, \(inputCount) input\(inputCount == 1 ? "" : "s"), \(flagged.count) flagged)\n")
        }
    }

    /// Page bytes left for pictures (as base64 text, 4/3 of their size).
    struct Budget {
        var left: Int
        var leftOut = 0
        /// The cost of the smallest picture seen so far.
        var smallest = 0
        /// The cost of the smallest picture drawn of an activation of each shape.
        var smallestOfShape: [[Int]: Int] = [:]

        init(limit: Int, reserved: Int) { left = limit - reserved }

        /// Bytes set aside from `left` until `releaseHeld`.
        private(set) var held = 0

        mutating func hold(_ bytes: Int) {
            let amount = Swift.max(0, Swift.min(bytes, left))
            held += amount
            left -= amount
        }

        mutating func releaseHeld() {
            left += held
            held = 0
        }

        /// False once not even the smallest picture seen so far would fit: further pictures need not be drawn.
        var mayFit: Bool { left >= smallest }

        /// False when the pictures of an activation of `shape` cannot fit: not even the smallest picture
        /// seen so far, or not the smallest of those drawn of this shape.
        func mayFit(shape: [Int]) -> Bool { mayFit && left >= smallestOfShape[shape, default: 0] }

        /// The largest cost of a whole set of pictures (grid, mean and max) drawn so far; 0 before the first.
        var fullSetCost = 0

        /// Records the sizes of the pictures drawn of an activation of `shape`.
        mutating func drew(_ sizes: [Int], shape: [Int], fullSet: Bool = false) {
            guard let least = sizes.map(Self.cost).min() else { return }
            smallestOfShape[shape] = Swift.min(smallestOfShape[shape] ?? least, least)
            if fullSet { fullSetCost = Swift.max(fullSetCost, sizes.map(Self.cost).reduce(0, +)) }
        }

        /// Whether a whole set of pictures is expected to fit in `share` (true until one has been drawn).
        func fitsFullSet(share: Int) -> Bool { fullSetCost == 0 || share >= fullSetCost }

        static func cost(_ bytes: Int) -> Int { (bytes + 2) / 3 * 4 + 200 }

        /// Takes every picture or none.
        mutating func takeAll(_ sizes: [Int]) -> Bool {
            let costs = sizes.map(Self.cost)
            guard costs.reduce(0, +) <= left else { return false }
            for size in sizes { _ = take(size) }
            return true
        }

        mutating func take(_ bytes: Int) -> Bool {
            let cost = Self.cost(bytes)
            smallest = smallest == 0 ? cost : Swift.min(smallest, cost)
            guard cost <= left else { return false }
            left -= cost
            return true
        }
    }

    private func panel(_ layer: LayerStatistics, pictures: [ReportLayer.Picture], node: String?, parameters: Int?,
                       budget: inout Budget) throws -> ReportLayer {
        let s = layer.statistics
        let channels = s.channelMaxima.count
        var rows: [(String, String)] = [
            ("values", "\(s.count)"), ("mean", StatsTable.number(s.mean)), ("std", StatsTable.number(s.std)),
            ("min", StatsTable.number(s.minimum)), ("max", StatsTable.number(s.maximum)),
            ("zeros", String(format: "%.2f %%", s.zerosFraction * 100)),
        ]
        if s.nanCount > 0 || s.infCount > 0 { rows.append(("NaN / ±Inf", "\(s.nanCount) / \(s.infCount)")) }
        if channels > 0 {
            rows.append(("dead units", "\(s.deadChannels.count) of \(channels)"))
            if s.saturationBounds != nil { rows.append(("saturated units", "\(s.saturatedChannels.count) of \(channels)")) }
        }
        var flags: [ReportLayer.Flag] = []
        if s.nanCount + s.infCount > 0 { flags.append(.nonFinite) }
        if channels > 0 && s.deadChannels.count * 2 > channels { flags.append(.dead) }
        if !s.saturatedChannels.isEmpty { flags.append(.saturated) }
        var all = pictures
        var notes: [String] = []
        if !budget.mayFit, s.finiteCount > 0 {
            budget.leftOut += 1
        } else if let histogram = try StatsCollectCommand.histogramPicture(layer) {
            let png = try histogram.render(format: .png)
            if budget.take(png.count) {
                all.insert(.init(png: png, caption: "\(layer.output.layer): histogram of its values over \(s.inputs) input\(s.inputs == 1 ? "" : "s")"), at: 0)
            } else {
                budget.leftOut += 1
            }
        } else {
            notes.append("no finite value to draw a histogram of")
        }
        return ReportLayer(
            name: layer.output.layer, kind: layer.output.op, shape: "[" + s.shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]", parameters: parameters, diagramNode: node,
            statistics: rows, pictures: all, flags: flags, notes: notes)
    }

    /// `count` positions spread evenly over `total` (all of them when there are fewer).
    static func spread(_ count: Int, over total: Int) -> Set<Int> {
        guard total > count else { return Set(0 ..< total) }
        return Set((0 ..< count).map { $0 * total / count })
    }

    static func inputName(_ batch: InputBatch, element b: Int, size: Int) -> String {
        if b < batch.files.count && !batch.images.isEmpty { return (batch.files[b] as NSString).lastPathComponent }
        let file = ((batch.files.first ?? "input") as NSString).lastPathComponent
        return size == 1 ? file : "\(file)[\(b)]"
    }

    /// The five most likely classes of element `b` of a `[N, classes]`-like output: its values as
    /// probabilities when they are (non-negative, summing to 1), otherwise after a softmax.
    static func topClasses(_ tensor: Tensor, element b: Int, batch: Int, names: [String]) -> [(label: String, probability: Double)]? {
        guard tensor.dtype == .float32, tensor.rank >= 2, tensor.shape[0] == batch, batch > 0 else { return nil }
        let per = tensor.count / batch
        guard per >= 2 else { return nil }
        let base = tensor.pointer(as: Float.self) + b * per
        var values = (0 ..< per).map { Double(base[$0]) }
        guard values.allSatisfy(\.isFinite) else { return nil }
        let sum = values.reduce(0, +)
        if values.contains(where: { $0 < 0 }) || abs(sum - 1) > 1e-3 {
            let top = values.max() ?? 0
            let exps = values.map { Foundation.exp($0 - top) }
            let total = exps.reduce(0, +)
            values = exps.map { $0 / total }
        }
        let order = values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
        return order.prefix(5).map { (label: $0 < names.count ? names[$0] : "class \($0)", probability: values[$0]) }
    }

    static func readClassNames(_ path: String) throws -> [String] {
        let data = try InputFile.contents(path, limit: maxClassNamesBytes)
        guard let text = String(data: data, encoding: .utf8) else {
            throw StrataError(.invalidInput, "class names are not UTF-8 text", at: ErrorLocation(file: path))
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .reversed().drop { $0.isEmpty }.reversed()
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }
}
