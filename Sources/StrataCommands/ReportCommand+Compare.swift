import StrataAnalysis
import StrataCore
import StrataExport

extension ReportCommand {
    /// `--compare OTHER`: `strata compare MODEL OTHER` on the report's first batch (the first image,
    /// the `.npy` batch, or the first batch of `--images`), each model fed the images preprocessed
    /// for its own input, or A's tensors translated to B's layout as `strata compare` does.
    func comparison(with otherPath: String, model: Model, boxOfLayer: [String: String], console: Console) throws -> ReportPage.Comparison {
        let other = try ModelLoader.load(otherPath)
        let sourceA = try InputBatches(model: model, inputs: inputs, images: imageOptions, console: console, quiet: true)
        guard let feedsA = try sourceA.next()?.feeds else { throw StrataError(.invalidInput, "--compare: no input could be read") }
        let feedsB: [String: Tensor]
        if imageOptions.isEmpty {
            let (translated, notes) = try CompareCommand.translate(feedsA, from: model.graph, to: other.graph)
            if !quiet && !json { notes.forEach { console.printError("strata report: compare: \($0)\n") } }
            feedsB = translated
        } else {
            let sourceB = try InputBatches(model: other, inputs: inputs, images: imageOptions, console: console, quiet: true)
            guard let feeds = try sourceB.next()?.feeds else { throw StrataError(.invalidInput, "--compare: no input could be read for '\(otherPath)'") }
            feedsB = feeds
        }
        let tolerance = ComparisonTolerance(
            approximate: approximate || CompareCommand.isApproximate(model) || CompareCommand.isApproximate(other))
        let (results, unmatched) = try CompareCommand.compare(model, other, feedsA: feedsA, feedsB: feedsB, map: compareMap, tolerance: tolerance,
                                                              names: (modelPath, otherPath))
        let rows = results.map { r in
            // A layer row's label is its capture-table name, with ":output" or "@call" for the rest.
            let layer = String(r.layer.prefix { $0 != ":" && $0 != "@" })
            return ReportPage.Comparison.Row(
                layer: r.layer, counterpart: r.other, match: r.kind.rawValue, maxAbs: r.difference?.maxAbs, cosine: r.difference?.cosine,
                sqnr: r.difference?.sqnr, diverges: !r.within, diagramNode: boxOfLayer[r.layer] ?? boxOfLayer[layer])
        }
        let first = results.first { !$0.within }
        let rule = tolerance.approximate ? "approximate copy: cosine ≥ \(tolerance.minimumCosine)" : "rtol 0.001, atol 1e-4·max|A|"
        let verdict = first.map { "first divergent layer: \($0.layer)" } ?? "all \(results.count) matched layers within tolerance"
        return ReportPage.Comparison(other: otherPath, summary: "\(verdict) (\(rule); as strata compare \(modelPath) \(otherPath) --map \(compareMap))",
                                     rows: rows, unmatched: unmatched.map { (layer: $0.0, reason: $0.1) })
    }
}
