import StrataCore
import StrataEngine

extension CompareCommand {
    /// The inputs of both models: images preprocessed for each model's own input, or A's tensors
    /// (given or seeded random) fed to B by position, transposed where B takes the other layout.
    func feeds(_ a: Model, _ b: Model, console: Console) throws -> ([String: Tensor], [String: Tensor]) {
        if !imageOptions.isEmpty {
            func feeds(_ model: Model, _ path: String) throws -> [String: Tensor] {
                let source = try InputBatches(
                    model: model, inputs: inputs, images: imageOptions, console: console, quiet: json, label: path, allowDataset: false)
                return try source.next()?.feeds ?? [:]
            }
            return (try feeds(a, modelPath), try feeds(b, otherPath))
        }
        let feedsA: [String: Tensor]
        if inputs.isEmpty {
            feedsA = try BenchCommand.randomInputs(for: a.graph)
        } else {
            var bound: [String: Tensor] = [:]
            for input in try InputBinding(arguments: inputs, graph: a.graph).bound { bound[input.info.name] = input.tensor }
            feedsA = bound
        }
        let (feedsB, notes) = try Self.translate(feedsA, from: a.graph, to: b.graph)
        for note in notes { console.printError("strata compare: \(note)\n") }
        return (feedsA, feedsB)
    }

    /// Channels-last → channels-first and back, for rank ≥ 3.
    static func layoutPerms(rank: Int) -> [[Int]] {
        guard rank >= 3 else { return [] }
        let toFirst = [0, rank - 1] + Array(1 ..< rank - 1)
        let toLast = [0] + Array(2 ..< rank) + [1]
        return [toFirst, toLast]
    }

    /// A's input tensors fed to B: by position, transposed when B declares the other layout; with a
    /// line saying so for each transposed input.
    static func translate(_ feeds: [String: Tensor], from a: Graph, to b: Graph) throws -> ([String: Tensor], [String]) {
        let inputsA = a.runtimeInputs
        let inputsB = b.runtimeInputs
        guard inputsA.count == inputsB.count else {
            throw StrataError(.invalidInput, "the models take different numbers of inputs (\(inputsA.count) and \(inputsB.count))")
        }
        var out: [String: Tensor] = [:]
        var notes: [String] = []
        for (ia, ib) in zip(inputsA, inputsB) {
            guard let tensor = feeds[ia.name] else { continue }
            func fits(_ shape: [Int]) -> Bool {
                guard let declared = ib.type.shape else { return true }
                return declared.count == shape.count && zip(declared, shape).allSatisfy { $0.value == nil || $0.value == $1 }
            }
            if fits(tensor.shape) {
                out[ib.name] = tensor
            } else if let perm = layoutPerms(rank: tensor.rank).first(where: { p in fits(p.map { tensor.shape[$0] }) }) {
                let moved = try tensor.permuted(perm)
                out[ib.name] = moved
                let direction = perm == layoutPerms(rank: tensor.rank)[0] ? "channels-last to channels-first" : "channels-first to channels-last"
                notes.append("input '\(ia.name)' \(tensor.shape) fed to '\(ib.name)' as \(moved.shape) (transposed \(perm), \(direction))")
            } else {
                throw StrataError(.invalidInput, "input '\(ia.name)' has shape \(tensor.shape), which fits neither layout of input '\(ib.name)' of the second model")
            }
        }
        return (out, notes)
    }
}
