import StrataCore

extension StatisticsDocument {
    /// The statistics of all shards together: layers matched by layer, tensor and output index (in
    /// the first shard's order), their statistics merged exactly, inputs added and skipped files
    /// listed in shard order. Shards must share the layout, the model (when named) and the layers.
    /// `files` name the shards in errors.
    public static func merged(_ shards: [StatisticsDocument], files: [String]) throws -> StatisticsDocument {
        precondition(shards.count == files.count, "merged: one file name per shard")
        guard var result = shards.first else { throw StrataError(.invalidInput, "no statistics to merge") }
        let first = files[0]
        for (shard, file) in zip(shards.dropFirst(), files.dropFirst()) {
            guard shard.layout == result.layout else {
                throw StrataError(.invalidInput, "has layout \(shard.layout.rawValue) but \(first) has \(result.layout.rawValue)",
                                  at: ErrorLocation(file: file))
            }
            if let a = result.model, let b = shard.model, a != b {
                throw StrataError(.invalidInput, "is about model '\(b)' but \(first) is about '\(a)'", at: ErrorLocation(file: file))
            }
            result.model = result.model ?? shard.model
            var index: [LayerStatistics.Key: Int] = [:]
            for (i, layer) in shard.layers.enumerated() { index[layer.key] = i }
            for layer in result.layers where index[layer.key] == nil {
                throw StrataError(.invalidInput, "has no \(layer.key), which \(first) has: statistics of different models or layers",
                                  at: ErrorLocation(file: file))
            }
            if shard.layers.count != result.layers.count {
                let known = Set(result.layers.map(\.key))
                let extra = shard.layers.first { !known.contains($0.key) }!
                throw StrataError(.invalidInput, "has \(extra.key), which \(first) has not: statistics of different models or layers",
                                  at: ErrorLocation(file: file))
            }
            for i in result.layers.indices {
                do {
                    try result.layers[i].merge(shard.layers[index[result.layers[i].key]!])
                } catch let error as StrataError {
                    throw error.located(ErrorLocation(file: file))
                }
            }
            let (inputs, overflow) = result.inputs.addingReportingOverflow(shard.inputs)
            guard !overflow else { throw StrataError(.invalidInput, "the number of inputs overflows", at: ErrorLocation(file: file)) }
            result.inputs = inputs
            result.skipped += shard.skipped
        }
        return result
    }
}
