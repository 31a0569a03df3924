import Foundation
import StrataCore
import StrataEmbedding
import StrataEngine
import StrataExport
import StrataRender

extension EmbedCommand {
    /// The embedding and what to say about how it was made.
    struct Outcome {
        var embedding: FeatureMatrix
        /// Method settings and results for manifest.json (`"method"` object).
        var details: [(String, JSONValue)]
        /// One line per fact for the picture's notes and the summary on standard error.
        var notes: [String]
        /// Results `--tensorboard` logs as scalars: tag suffix (after `embed/L/METHOD/`) and value.
        var scalars: [(String, Double)] = []
        var seconds: Double
    }

    /// The largest feature matrix also written to the projector (TensorBoard loads the tensor into
    /// the browser; beyond this only the embedding itself is written).
    static let maxProjectorFeatureBytes = 256 << 20

    /// Runs the chosen method over the feature matrix, reporting phases on standard error.
    func run(_ features: FeatureMatrix, threads: Int, console: Console) throws -> Outcome {
        let printer = EmbeddingProgressPrinter(console: console, quiet: quiet || json, method: method.title)
        defer { printer.endPhase() }
        var details: [(String, JSONValue)] = [("name", .string(method.rawValue)), ("dims", .int(dims)), ("seed", .int(Int(truncatingIfNeeded: seed)))]
        var notes: [String] = []
        var scalars: [(String, Double)] = []
        let embedding: FeatureMatrix
        switch method {
        case .pca:
            printer.report(EmbeddingProgress(phase: "principal components", done: 0, total: 1))
            let result = try PCA(components: dims, threads: threads, seed: seed).fit(features)
            embedding = result.embedding
            let parts = zip(result.explainedVariance, result.explainedVarianceRatio).enumerated().map { c, pair in
                "PC\(c + 1) \(Self.number(pair.0)) (\(String(format: "%.1f", pair.1 * 100)) %)"
            }
            notes.append("explained variance: " + parts.joined(separator: ", "))
            for (c, pair) in zip(result.explainedVariance, result.explainedVarianceRatio).enumerated() {
                scalars += [("explained_variance/PC\(c + 1)", pair.0), ("explained_variance_ratio/PC\(c + 1)", pair.1)]
            }
            details += [
                ("solver", .string(result.solver.rawValue)),
                ("explainedVariance", .array(result.explainedVariance.map(JSONValue.double))),
                ("explainedVarianceRatio", .array(result.explainedVarianceRatio.map(JSONValue.double))),
            ]
        case .tsne:
            var tsne = TSNE()
            tsne.dimensions = dims
            tsne.perplexity = perplexity
            tsne.seed = seed
            tsne.threads = threads
            let result = try tsne.fit(features, progress: printer.handler())
            embedding = result.embedding
            scalars.append(("kl_divergence", result.klDivergence))
            notes.append("perplexity \(Self.number(result.perplexity)), learning rate \(Self.number(result.learningRate)), "
                + "\(tsne.iterations) iterations, \(result.gradient.rawValue) gradient; KL divergence \(String(format: "%.4f", result.klDivergence))")
            details += [
                ("perplexity", .double(result.perplexity)), ("learningRate", .double(result.learningRate)),
                ("earlyExaggeration", .double(tsne.earlyExaggeration)), ("earlyExaggerationIterations", .int(tsne.earlyExaggerationIterations)),
                ("iterations", .int(tsne.iterations)), ("gradient", .string(result.gradient.rawValue)),
                ("neighbors", result.neighbors.map { .string($0.rawValue) } ?? .null), ("klDivergence", .double(result.klDivergence)),
            ]
        case .umap:
            var umap = UMAP()
            umap.dimensions = dims
            umap.nNeighbors = neighbors
            umap.minDist = minDist
            umap.seed = seed
            umap.threads = threads
            let result = try umap.fit(features, progress: printer.handler())
            embedding = result.embedding
            notes.append("\(result.neighbors) neighbours (\(result.neighborSearch.rawValue)), min_dist \(Self.number(minDist)), "
                + "a \(String(format: "%.4f", result.curve.a)), b \(String(format: "%.4f", result.curve.b)), \(result.epochs) epochs, "
                + "\(result.initialization.rawValue) initialisation")
            details += [
                ("neighbors", .int(result.neighbors)), ("neighborSearch", .string(result.neighborSearch.rawValue)),
                ("minDist", .double(minDist)), ("a", .double(result.curve.a)), ("b", .double(result.curve.b)),
                ("epochs", .int(result.epochs)), ("initialization", .string(result.initialization.rawValue)),
                ("spectralComponents", .int(result.components)), ("spectralConverged", .bool(result.spectralConverged)),
            ]
        }
        printer.endPhase()
        return Outcome(embedding: embedding, details: details, notes: notes, scalars: scalars, seconds: printer.elapsed)
    }

    /// embedding.npy, embedding.csv, the scatter plot, projector/, manifest.json and index.html; with
    /// `log`, also the scatter plot, the method's scalars and the projector files into its run folder.
    func write(_ outcome: Outcome, collected: Collected, labels: [String?], row: LayerOutput, source: InputBatches,
               into folder: StagedFolder, log: TensorBoardLog?, console: Console) throws {
        let n = outcome.embedding.rows, dims = outcome.embedding.columns
        let modelName = (modelPath as NSString).lastPathComponent
        let groups = Self.groups(of: labels)
        let groupIndex = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1, $0) })

        let npy = try folder.writeNPY(Tensor(outcome.embedding.values, shape: [n, dims]), name: "embedding")
        let csv = try folder.write(Array(Self.csv(outcome.embedding, names: collected.names, labels: labels).utf8),
                                   name: "embedding", fileExtension: "csv")

        var pictureNotes = ["\(n) inputs × \(collected.features.columns) features (\(pool.rawValue)); \(modelName)"]
        pictureNotes += outcome.notes
        if dims == 3 { pictureNotes.append("dimensions 1 and 2 of 3 shown") }
        var pictureThumbnails: [StrataRender.RasterImage]?
        if thumbnails {
            if let kept = collected.thumbnails {
                pictureThumbnails = kept
            } else if !quiet && !json {
                console.printError("strata: warning: no thumbnails kept for \(n) inputs; the scatter plot shows dots\n")
            }
        }
        let values = outcome.embedding.values
        let plot = ScatterPlot(
            title: "\(method.title) of \(row.layer) (\(row.op))", subtitle: modelName, notes: pictureNotes,
            x: (0 ..< n).map { Double(values[$0 * dims]) }, y: (0 ..< n).map { Double(values[$0 * dims + 1]) },
            group: labels.map { $0.flatMap { groupIndex[$0] } }, groups: groups, thumbnails: pictureThumbnails,
            xLabel: "\(method.title) 1", yLabel: "\(method.title) 2", legendTitle: "label")
        let scatterBytes = try plot.render(format: format)
        let scatter = try folder.write(scatterBytes, name: "scatter", fileExtension: format.pathExtension)
        let base = CaptureWriter.baseName(for: row)
        if let log {
            try log.image(TensorBoardLog.tag(base, method.rawValue + "-scatter"), plot, png: format == .png ? scatterBytes : nil)
            try log.writer.add(try outcome.scalars.map { try .scalar("embed/\(base)/\(method.rawValue)/\($0.0)", $0.1) }, step: log.step)
        }

        let projectorFiles = try projector(outcome, collected: collected, labels: labels, row: row, suffix: "")
            .write(into: folder, subfolder: "projector")

        let manifest = JSONValue.object([
            ("model", .string(modelPath)),
            ("layer", .string(row.layer)), ("tensor", .string(row.tensor)), ("output", .int(row.output)),
            ("pool", .string(pool.rawValue)),
            ("inputs", .int(n)), ("features", .int(collected.features.columns)),
            ("method", .object(outcome.details)),
            ("seconds", .double((outcome.seconds * 1000).rounded() / 1000)),
            ("labels", .array(groups.map(JSONValue.string))),
            ("unlabelled", .int(labels.filter { $0 == nil }.count)),
            ("skipped", .array(collected.skipped.map(JSONValue.string))),
            ("files", .object([
                ("embedding", .string(npy)), ("table", .string(csv)), ("scatter", .string(scatter)),
                ("projector", .array(projectorFiles.map(JSONValue.string))),
            ])),
        ])
        var page = PictureIndexPage(
            title: "\(method.title) of \(row.layer) in \(modelName)",
            subtitle: ["model: \(modelPath)", "\(n) inputs; coordinates: \(npy), \(csv); TensorBoard: tensorboard --logdir \(outDir)/projector"])
        page.sections.append(.init(heading: "\(row.layer) (\(row.op))", pictures: [.init(file: scatter, caption: pictureNotes.joined(separator: "; "))]))
        try folder.commit(last: [
            (PictureManifest.fileName, Array((manifest.rendered() + "\n").utf8)),
            (PictureIndexPage.fileName, Array(page.rendered().utf8)),
        ])
        if let log {
            try projector(outcome, collected: collected, labels: labels, row: row, suffix: " (step \(log.step))")
                .write(toRun: log.writer.directory, subfolder: "\(base)-\(method.rawValue)-step\(log.step)")
            try log.commit()
        }
        if json {
            console.print(manifest.rendered())
        } else if !quiet {
            for note in outcome.notes { console.printError("strata: \(method.title): \(note)\n") }
            var line = "strata: \(method.title) of \(n) inputs in \(String(format: "%.1f", outcome.seconds)) s; wrote \(outDir)/\(npy), \(csv), \(scatter), projector/"
            if !collected.skipped.isEmpty { line += "; skipped \(collected.skipped.count): " + collected.skipped.joined(separator: ", ") }
            console.printError(line + "\n")
            if let report = log?.report("the embedding") { console.print(report) }
        }
    }

    /// The projector's files: the embedding (named "LAYER METHOD" + `suffix`), the layer's features
    /// ("LAYER" + `suffix`; when not larger than `maxProjectorFeatureBytes`), the labels and file
    /// names, and the sprite of thumbnails.
    private func projector(_ outcome: Outcome, collected: Collected, labels: [String?], row: LayerOutput,
                           suffix: String) throws -> TensorBoardProjector {
        let n = outcome.embedding.rows
        var embeddings = [TensorBoardProjector.Embedding(
            name: "\(row.layer) \(method.title)" + suffix, fileStem: "embedding", rows: n, columns: outcome.embedding.columns,
            values: outcome.embedding.values)]
        let features = collected.features
        if features.rows * features.columns * 4 <= Self.maxProjectorFeatureBytes {
            embeddings.append(.init(name: row.layer + suffix, fileStem: "features", rows: features.rows, columns: features.columns, values: features.values))
        }
        let hasLabels = labels.contains { $0 != nil }
        let columns = hasLabels ? ["label", "file"] : ["file"]
        let metadata = (0 ..< n).map { i in hasLabels ? [labels[i] ?? "", collected.names[i]] : [collected.names[i]] }
        var sprite: TensorBoardProjector.Sprite?
        if let thumbnails = collected.thumbnails, thumbnails.count == n {
            let side = collected.thumbnailSide
            sprite = .init(bytes: try SpriteSheet(images: thumbnails, cellWidth: side, cellHeight: side).png(), cellWidth: side, cellHeight: side)
        }
        return TensorBoardProjector(embeddings: embeddings, metadataColumns: columns, metadata: metadata, sprite: sprite)
    }

    /// A number with 4 significant digits for messages.
    static func number(_ x: Double) -> String { String(format: "%.4g", x) }

    /// The distinct labels in legend order: numerically when every label is an integer, else by
    /// Unicode scalar order.
    static func groups(of labels: [String?]) -> [String] {
        let distinct = Array(Set(labels.compactMap { $0 }))
        if distinct.allSatisfy({ Int($0) != nil }) {
            return distinct.sorted { Int($0)! < Int($1)! }
        }
        return distinct.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }

    /// embedding.csv: a header `file,label,x,y[,z]`, then one row per input (RFC 4180 quoting;
    /// coordinates as the shortest decimal that reads back as the same float32).
    static func csv(_ embedding: FeatureMatrix, names: [String], labels: [String?]) -> String {
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let axes = ["x", "y", "z"].prefix(embedding.columns)
        var text = "file,label," + axes.joined(separator: ",") + "\n"
        for i in 0 ..< embedding.rows {
            text += field(names[i]) + "," + field(labels[i] ?? "")
            for c in 0 ..< embedding.columns { text += ",\(embedding[i, c])" }
            text += "\n"
        }
        return text
    }
}
