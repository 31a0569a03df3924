import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataExport
import StrataONNX

/// `strata compare A B`: runs two models on the same inputs and compares their layers one by one.
///
/// Layers are matched through the capture-table map `strata convert` writes (`strata.layers`),
/// then by (layer, call, output), then by tensor name; `--map FILE` gives the matching instead.
/// Activations in another layout (NCHW vs NHWC) are permuted before comparing. A layer diverges
/// when some value has |a − b| > atol + rtol·|a| (default atol: 1e-4 · max|a|); the exit code is 1
/// when any layer diverges.
public struct CompareCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run two models on the same inputs and compare them layer by layer.",
        discussion: """
            Inputs: --input FILE.npy or NAME=FILE.npy binds to model A's inputs (seeded random values when \
            none are given); model B gets the same tensors, transposed when it takes the other layout. \
            --image FILE feeds the same image(s) to both models, each preprocessed for its own input \
            (layout, size, channels) as the image options say. \
            --map FILE is a JSON object from A's layer names to B's layer (or tensor) names. \
            Columns: shapes, max abs error, max rel error (max abs error over max|A|), cosine similarity.
            """
    )

    @Argument(help: "The reference model (.h5, .keras, .onnx).")
    public var modelPath: String

    @Argument(help: "The model to check against it.")
    public var otherPath: String

    @Option(help: ArgumentHelp("The architecture JSON for a weights-only Keras file A.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("config-b"), help: ArgumentHelp("The architecture JSON for a weights-only Keras file B.", valueName: "file.json"))
    public var configB: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor: FILE.npy or NAME=FILE.npy.", valueName: "input"))
    public var inputs: [String] = []

    @Option(help: ArgumentHelp("How layers are matched: 'auto' or a JSON file {\"A layer\": \"B layer\"}.", valueName: "auto|file"))
    public var map: String = "auto"

    @Option(help: "Relative tolerance.")
    public var rtol: Double = 1e-3

    @Option(help: "Absolute tolerance (default: 1e-4 times the largest magnitude of each A layer).")
    public var atol: Double?

    @Flag(help: "Print the comparison as JSON.")
    public var json = false

    @OptionGroup(title: "Images")
    public var imageOptions: ImageOptions

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if !(rtol >= 0 && rtol.isFinite) { throw ValidationError("--rtol must be a finite number, not negative") }
        if let atol, !(atol >= 0 && atol.isFinite) { throw ValidationError("--atol must be a finite number, not negative") }
    }

    /// One activation a model can be asked for: its key, the tensor holding it, and the
    /// permutation turning that tensor into the layer's own layout.
    struct Entry {
        var layer: String
        var call: Int
        var output: Int
        var op: String
        var tensor: String
        var perm: [Int]?
    }

    /// The comparison of one matched layer.
    struct Result {
        var layer: String
        var other: String
        var shapeA: [Int]
        var shapeB: [Int]
        var maxAbs: Double
        var maxRel: Double
        var cosine: Double
        var within: Bool
        var note: String?
    }

    public func execute(on console: Console) throws {
        let a = try ModelLoader.load(modelPath, config: config)
        let b = try ModelLoader.load(otherPath, config: configB)
        let feedsA: [String: Tensor], feedsB: [String: Tensor]
        if !imageOptions.isEmpty {
            func feeds(_ model: Model, _ path: String) throws -> [String: Tensor] {
                let source = try InputBatches(
                    model: model, inputs: inputs, images: imageOptions, console: console, quiet: json, label: path, allowDataset: false)
                return try source.next()?.feeds ?? [:]
            }
            feedsA = try feeds(a, modelPath)
            feedsB = try feeds(b, otherPath)
        } else if inputs.isEmpty {
            feedsA = try BenchCommand.randomInputs(for: a.graph)
            feedsB = try Self.translate(feedsA, from: a.graph, to: b.graph)
        } else {
            var feeds: [String: Tensor] = [:]
            for input in try InputBinding(arguments: inputs, graph: a.graph).bound { feeds[input.info.name] = input.tensor }
            feedsA = feeds
            feedsB = try Self.translate(feedsA, from: a.graph, to: b.graph)
        }

        let pairs = try matches(Self.entries(a), Self.entries(b))
        if pairs.isEmpty { throw StrataError(.invalidInput, "no layers of '\(otherPath)' match layers of '\(modelPath)'") }
        let valuesA = try Engine(model: a).run(inputs: feedsA, tensors: Array(Set(pairs.map(\.0.tensor))))
        let valuesB = try Engine(model: b).run(inputs: feedsB, tensors: Array(Set(pairs.map(\.1.tensor))))

        var results: [Result] = []
        for (ea, eb) in pairs {
            guard let ta = valuesA[ea.tensor], let tb = valuesB[eb.tensor] else { continue }
            results.append(try compare(ea, try Self.oriented(ta, ea.perm), eb, try Self.oriented(tb, eb.perm)))
        }
        let first = results.first { !$0.within }
        if json {
            console.print(Self.json(results, first: first, a: modelPath, b: otherPath).rendered())
        } else {
            var table = TextTable(["layer", "shape A", "shape B", "max abs err", "max rel err", "cosine", "status"], rightAligned: [3, 4, 5])
            for r in results {
                let name = r.layer == r.other ? r.layer : "\(r.layer) ↔ \(r.other)"
                table.add([name, r.shapeA.description, r.shapeB.description, Self.format(r.maxAbs), Self.format(r.maxRel),
                           String(format: "%.6f", r.cosine), r.within ? "ok" : "DIVERGES" + (r.note.map { " (\($0))" } ?? "")])
            }
            table.lines.forEach(console.print)
            if let first {
                console.print("first divergent layer: \(first.layer) (max abs err \(Self.format(first.maxAbs)), cosine \(String(format: "%.6f", first.cosine)))")
            } else {
                console.print("all \(results.count) matched layers within tolerance (rtol \(rtol), atol \(atol.map { "\($0)" } ?? "1e-4·max|A|"))")
            }
        }
        if first != nil { throw ExitCode(1) }
    }

    // MARK: - Matching

    /// A model's capturable activations: the converter's map when the file has one, else its capture table.
    static func entries(_ model: Model) -> [Entry] {
        if let text = model.metadata[ONNXExporter.layersMetadataKey],
           let rows = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] {
            let produced = Set(model.graph.nodes.flatMap(\.outputs))
            let entries: [Entry] = rows.compactMap { row in
                guard let layer = row["layer"] as? String, let tensor = row["tensor"] as? String, produced.contains(tensor) else { return nil }
                return Entry(layer: layer, call: row["call"] as? Int ?? 0, output: row["output"] as? Int ?? 0,
                             op: row["op"] as? String ?? "", tensor: tensor, perm: row["perm"] as? [Int])
            }
            if !entries.isEmpty { return entries }
        }
        let produced = Set(model.graph.nodes.flatMap(\.outputs))
        return model.graph.captureTable.filter { produced.contains($0.tensor) }.map {
            Entry(layer: $0.layer, call: $0.call ?? 0, output: $0.output, op: $0.op, tensor: $0.tensor, perm: nil)
        }
    }

    /// Pairs of A and B entries, in A's order.
    func matches(_ a: [Entry], _ b: [Entry]) throws -> [(Entry, Entry)] {
        var byKey: [String: Entry] = [:]
        var byLayer: [String: Entry] = [:]
        var byTensor: [String: Entry] = [:]
        for e in b {
            byKey["\(e.layer)\u{0}\(e.call)\u{0}\(e.output)"] = byKey["\(e.layer)\u{0}\(e.call)\u{0}\(e.output)"] ?? e
            if e.output == 0 { byLayer[e.layer] = byLayer[e.layer] ?? e }
            byTensor[e.tensor] = byTensor[e.tensor] ?? e
        }
        var userMap: [String: String]?
        if map != "auto" {
            guard let data = try? InputFile.contents(map, limit: 64 << 20),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
                throw StrataError(.invalidInput, "--map '\(map)' is not a readable JSON object of layer names")
            }
            userMap = object
        }
        var pairs: [(Entry, Entry)] = []
        for e in a {
            if let userMap {
                guard let target = userMap[e.layer] else { continue }
                if let match = byKey["\(target)\u{0}\(e.call)\u{0}\(e.output)"] ?? (e.output == 0 ? byLayer[target] : nil) ?? byTensor[target] {
                    pairs.append((e, match))
                }
            } else if let match = byKey["\(e.layer)\u{0}\(e.call)\u{0}\(e.output)"] ?? byTensor[e.tensor] {
                pairs.append((e, match))
            }
        }
        return pairs
    }

    // MARK: - Layouts

    /// `tensor` in its layer's own layout.
    static func oriented(_ tensor: Tensor, _ perm: [Int]?) throws -> Tensor {
        guard let perm, perm.count == tensor.rank else { return tensor }
        return try TransposeSinking.permuted(tensor, perm)
    }

    /// Channels-last → channels-first and back, for rank ≥ 3.
    static func layoutPerms(rank: Int) -> [[Int]] {
        guard rank >= 3 else { return [] }
        let toFirst = [0, rank - 1] + Array(1 ..< rank - 1)
        let toLast = [0] + Array(2 ..< rank) + [1]
        return [toFirst, toLast]
    }

    /// A's input tensors fed to B: by position, transposed when B declares the other layout.
    static func translate(_ feeds: [String: Tensor], from a: Graph, to b: Graph) throws -> [String: Tensor] {
        let inputsA = a.runtimeInputs
        let inputsB = b.runtimeInputs
        guard inputsA.count == inputsB.count else {
            throw StrataError(.invalidInput, "the models take different numbers of inputs (\(inputsA.count) and \(inputsB.count))")
        }
        var out: [String: Tensor] = [:]
        for (ia, ib) in zip(inputsA, inputsB) {
            guard let tensor = feeds[ia.name] else { continue }
            func fits(_ shape: [Int]) -> Bool {
                guard let declared = ib.type.shape else { return true }
                return declared.count == shape.count && zip(declared, shape).allSatisfy { $0.value == nil || $0.value == $1 }
            }
            if fits(tensor.shape) {
                out[ib.name] = tensor
            } else if let perm = layoutPerms(rank: tensor.rank).first(where: { p in fits(p.map { tensor.shape[$0] }) }) {
                out[ib.name] = try TransposeSinking.permuted(tensor, perm)
            } else {
                throw StrataError(.invalidInput, "input '\(ia.name)' has shape \(tensor.shape), which fits neither layout of input '\(ib.name)' of the second model")
            }
        }
        return out
    }

    // MARK: - Numbers

    func compare(_ ea: Entry, _ ta: Tensor, _ eb: Entry, _ tb: Tensor) throws -> Result {
        var other = tb
        if ta.shape != tb.shape {
            if let perm = Self.layoutPerms(rank: tb.rank).first(where: { p in p.map { tb.shape[$0] } == ta.shape }) {
                other = try TransposeSinking.permuted(tb, perm)
            }
        }
        let label = ea.layer + (ea.output > 0 ? ":\(ea.output)" : "") + (ea.call > 0 ? "@\(ea.call)" : "")
        let otherLabel = eb.layer + (eb.output > 0 ? ":\(eb.output)" : "") + (eb.call > 0 ? "@\(eb.call)" : "")
        guard ta.shape == other.shape else {
            return Result(layer: label, other: otherLabel, shapeA: ta.shape, shapeB: tb.shape, maxAbs: .infinity, maxRel: .infinity,
                          cosine: 0, within: false, note: "shapes differ")
        }
        var scale = 0.0
        for i in 0 ..< ta.count { scale = max(scale, abs(ta.doubleValue(at: i))) }
        let tolerance = atol ?? 1e-4 * scale
        var maxAbs = 0.0, dot = 0.0, normA = 0.0, normB = 0.0
        var within = true
        for i in 0 ..< ta.count {
            let x = ta.doubleValue(at: i), y = other.doubleValue(at: i)
            let diff = abs(x - y)
            if !(diff <= tolerance + rtol * abs(x)) && !(x.isNaN && y.isNaN) && x != y { within = false }
            if diff.isNaN { maxAbs = .nan } else if !maxAbs.isNaN { maxAbs = max(maxAbs, diff) }
            dot += x * y
            normA += x * x
            normB += y * y
        }
        let cosine = normA == 0 && normB == 0 ? 1 : dot / ((normA * normB).squareRoot())
        let maxRel = scale > 0 ? maxAbs / scale : (maxAbs == 0 ? 0 : .infinity)
        return Result(layer: label, other: otherLabel, shapeA: ta.shape, shapeB: tb.shape, maxAbs: maxAbs, maxRel: maxRel,
                      cosine: cosine.isNaN ? 0 : cosine, within: within, note: nil)
    }

    static func format(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3g", value) : "\(value)"
    }

    static func json(_ results: [Result], first: Result?, a: String, b: String) -> JSONValue {
        func number(_ v: Double) -> JSONValue { v.isFinite ? .double(v) : .null }
        return .object([
            ("a", .string(a)), ("b", .string(b)),
            ("layers", .array(results.map { r in
                .object([
                    ("layer", .string(r.layer)), ("other", .string(r.other)),
                    ("shape_a", .array(r.shapeA.map { .int($0) })), ("shape_b", .array(r.shapeB.map { .int($0) })),
                    ("max_abs_err", number(r.maxAbs)), ("max_rel_err", number(r.maxRel)), ("cosine", number(r.cosine)),
                    ("within_tolerance", .bool(r.within)),
                ])
            })),
            ("first_divergent", first.map { .string($0.layer) } ?? .null),
        ])
    }
}
