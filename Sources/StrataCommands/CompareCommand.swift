import ArgumentParser
import Foundation
import StrataAnalysis
import StrataCore
import StrataEngine
import StrataExport
import StrataONNX

/// `strata compare A B`: runs two models on the same inputs and compares their layers one by one.
///
/// Each layer of A is paired with an activation of B by `LayerMatcher`: through the layer map
/// `strata convert` writes (`strata.layers`) or `--map FILE`, then by names, then by values, in a
/// graph order both models keep. Each row gives max abs and relative error, cosine similarity and
/// SQNR, and how it was matched. A layer diverges when some value has |a − b| > atol + rtol·|a|
/// (default atol: 1e-4 · max|a|), or, when one side is quantized or float16, when its cosine
/// similarity is below `--min-cosine`; the exit code is 1 when a matched layer diverges.
public struct CompareCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run two models on the same inputs and compare them layer by layer.",
        discussion: """
            Inputs: --input FILE.npy or NAME=FILE.npy binds to model A's inputs (seeded random values when \
            none are given); model B gets the same tensors, transposed when it takes the other layout. \
            --image FILE feeds the same image(s) to both models, each preprocessed for its own input \
            (layout, size, channels) as the image options say. \
            --map: auto (layer map, then names, then values), names, values, layer-map, or a JSON file \
            {"A layer": "B layer or tensor"}. \
            Columns: shapes, max abs error, max rel error (max abs error over max|A|), cosine similarity, \
            SQNR in dB, how the layer was matched (map, name, value, near). \
            --print-policy prints the tolerance policy these defaults come from (every named rule the \
            tests and Tools scripts share) and exits.
            """
    )

    @Argument(help: ArgumentHelp("The reference model (.h5, .keras, .onnx).", valueName: "model-path"))
    public var modelArgument: String?

    @Argument(help: ArgumentHelp("The model to check against it.", valueName: "other-path"))
    public var otherArgument: String?

    /// The reference model's path (empty only with --print-policy).
    public var modelPath: String { modelArgument ?? "" }

    /// The other model's path (empty only with --print-policy).
    public var otherPath: String { otherArgument ?? "" }

    @Option(help: ArgumentHelp("The architecture JSON for a weights-only Keras file A.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("config-b"), help: ArgumentHelp("The architecture JSON for a weights-only Keras file B.", valueName: "file.json"))
    public var configB: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor: FILE.npy or NAME=FILE.npy.", valueName: "input"))
    public var inputs: [String] = []

    @Option(help: ArgumentHelp("How layers are matched: auto, names, values, layer-map, or a JSON file {\"A layer\": \"B layer\"}.",
                               valueName: "auto|names|values|layer-map|file"))
    public var map: String = "auto"

    @Option(help: "Relative tolerance.")
    public var rtol: Double = TolerancePolicy.reference.rtol

    @Option(help: "Absolute tolerance (default: 1e-4 times the largest magnitude of each A layer).")
    public var atol: Double?

    @Flag(help: "Treat B as an approximate copy (automatic when either model quantizes or holds float16).")
    public var approximate = false

    @Option(name: .customLong("min-cosine"), help: "The cosine similarity an approximate copy must reach.")
    public var minCosine: Double = TolerancePolicy.approximateMinimumCosine

    @Flag(help: "Print the comparison as JSON.")
    public var json = false

    @Flag(name: .customLong("print-policy"), help: "Print the tolerance policy (every named rule; with --json as JSON) and exit.")
    public var printPolicy = false

    @OptionGroup(title: "Images")
    public var imageOptions: ImageOptions

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if !printPolicy && (modelArgument == nil || otherArgument == nil) {
            throw ValidationError("compare needs two models: MODEL OTHER (or --print-policy)")
        }
        if !(rtol >= 0 && rtol.isFinite) { throw ValidationError("--rtol must be a finite number, not negative") }
        if let atol, !(atol >= 0 && atol.isFinite) { throw ValidationError("--atol must be a finite number, not negative") }
        if !(minCosine >= -1 && minCosine <= 1) { throw ValidationError("--min-cosine must be between -1 and 1") }
    }

    /// The comparison of one matched layer.
    struct Result {
        var layer: String
        var tensor: String
        var other: String
        var otherTensor: String
        var shapeA: [Int]
        var shapeB: [Int]
        var difference: ActivationDifference?
        var kind: MatchKind
        var within: Bool
    }

    public func execute(on console: Console) throws {
        if printPolicy {
            if json { console.print(TolerancePolicy.json().rendered()) } else { TolerancePolicy.lines().forEach(console.print) }
            return
        }
        let a = try ModelLoader.load(modelPath, config: config)
        let b = try ModelLoader.load(otherPath, config: configB)
        let (feedsA, feedsB) = try feeds(a, b, console: console)
        let tolerance = ComparisonTolerance(rtol: rtol, atol: atol, approximate: approximate || Self.isApproximate(a) || Self.isApproximate(b),
                                            minimumCosine: minCosine)
        let (results, unmatched) = try Self.compare(a, b, feedsA: feedsA, feedsB: feedsB, map: map, tolerance: tolerance, names: (modelPath, otherPath))
        let first = results.first { !$0.within }
        if json {
            console.print(Self.json(results, unmatched: unmatched, first: first, a: modelPath, b: otherPath, tolerance: tolerance).rendered())
        } else {
            printTable(results, unmatched: unmatched, first: first, tolerance: tolerance, on: console)
        }
        if first != nil { throw ExitCode(1) }
    }

    /// The comparison itself (shared with `strata report --compare`): runs both models, matches
    /// A's layers to B's activations by `map` (a `MatchStrategy` or a JSON file), and returns the
    /// matched layers in A's graph order and A's unmatched layers with the reason. Throws when no
    /// layer matches; `names` (A, B) are for that message.
    static func compare(
        _ a: Model, _ b: Model, feedsA: [String: Tensor], feedsB: [String: Tensor], map: String, tolerance: ComparisonTolerance,
        names: (String, String)
    ) throws -> (results: [Result], unmatched: [(String, String)]) {
        let entriesA = entries(a), entriesB = entries(b)
        let valuesA = try Engine(model: a).run(inputs: feedsA, tensors: Array(Set(entriesA.map(\.tensor))))
        let valuesB = try Engine(model: b).run(inputs: feedsB, tensors: candidateTensors(b.graph))
        let sideA = try referenceSide(a, entriesA, values: valuesA)
        let sideB = otherSide(b, entriesB, values: valuesB)
        let given = try givenPairs(sideA, sideB, entriesB: entriesB, layerMaps: hasLayerMap(a) || hasLayerMap(b), map: map)
        let matcher = LayerMatcher(strategy: MatchStrategy(rawValue: map) ?? .layerMap, tolerance: tolerance)
        let matching = matcher.match(sideA.activations, sideB.activations, given: given)
        if matching.matches.isEmpty { throw StrataError(.invalidInput, "no layers of '\(names.1)' match layers of '\(names.0)'") }
        let results = matching.matches.map { m in
            Result(layer: sideA.activations[m.reference].name, tensor: sideA.tensors[m.reference], other: sideB.activations[m.other].name, otherTensor: sideB.tensors[m.other],
                   shapeA: sideA.activations[m.reference].shape, shapeB: sideB.activations[m.other].shape,
                   difference: m.difference, kind: m.kind, within: m.agrees)
        }
        return (results, matching.unmatched.map { (sideA.activations[$0.reference].name, $0.reason.description) })
    }

    /// Layer-map pairs: from `--map FILE`, or through the `strata.layers` map either model carries.
    static func givenPairs(_ a: Side, _ b: Side, entriesB: [Entry], layerMaps: Bool, map: String) throws -> [(Int, Int)] {
        var byTensor: [String: Int] = [:]
        var byLabel: [String: Int] = [:]
        var byKey: [String: Int] = [:]
        for (j, tensor) in b.tensors.enumerated() {
            if byTensor[tensor] == nil { byTensor[tensor] = j }
            if byLabel[b.activations[j].name] == nil { byLabel[b.activations[j].name] = j }
            for alias in b.activations[j].aliases where byLabel[alias] == nil { byLabel[alias] = j }
        }
        for entry in entriesB { if byKey[entry.key] == nil, let j = byTensor[entry.tensor] { byKey[entry.key] = j } }
        var pairs: [(Int, Int)] = []
        if MatchStrategy(rawValue: map) == nil {
            guard let data = try? InputFile.contents(map, limit: 64 << 20),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
                throw StrataError(.invalidInput, "--map '\(map)' is not a readable JSON object of layer names")
            }
            for (i, entry) in a.entries.enumerated() {
                guard let entry, let target = object[entry.layer] else { continue }
                let key = Entry(layer: target, call: entry.call, output: entry.output, op: "", tensor: "").key
                if let j = byKey[key] ?? byLabel[target] ?? byTensor[target] { pairs.append((i, j)) }
            }
        } else if layerMaps {
            for (i, entry) in a.entries.enumerated() {
                guard let entry, let j = byKey[entry.key] ?? byTensor[entry.tensor] else { continue }
                pairs.append((i, j))
            }
        }
        return pairs
    }

    // MARK: - Output

    func printTable(_ results: [Result], unmatched: [(String, String)], first: Result?, tolerance: ComparisonTolerance, on console: Console) {
        var table = TextTable(["layer", "shape A", "shape B", "max abs err", "max rel err", "cosine", "SQNR dB", "match", "status"],
                              rightAligned: [3, 4, 5, 6])
        for r in results {
            let name = r.layer == r.other ? r.layer : "\(r.layer) ↔ \(r.other)"
            let d = r.difference
            table.add([name, r.shapeA.description, r.shapeB.description, Self.format(d?.maxAbs ?? .infinity),
                       Self.format(d?.maxRelative ?? .infinity), String(format: "%.6f", d?.cosine ?? 0),
                       d.map { $0.sqnr.isFinite ? String(format: "%.1f", $0.sqnr) : "\($0.sqnr)" } ?? "-",
                       r.kind.rawValue, r.within ? "ok" : (d == nil ? "DIVERGES (shapes differ)" : "DIVERGES")])
        }
        table.lines.forEach(console.print)
        for (layer, reason) in unmatched { console.print("unmatched: \(layer) (\(reason))") }
        if let first {
            let d = first.difference
            console.print("first divergent layer: \(first.layer) (max abs err \(Self.format(d?.maxAbs ?? .infinity)), cosine \(String(format: "%.6f", d?.cosine ?? 0)))")
        } else if tolerance.approximate {
            console.print("all \(results.count) matched layers within tolerance (approximate copy: cosine ≥ \(tolerance.minimumCosine))")
        } else {
            console.print("all \(results.count) matched layers within tolerance (rtol \(rtol), atol \(atol.map { "\($0)" } ?? "1e-4·max|A|"))")
        }
    }

    static func format(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3g", value) : "\(value)"
    }

    static func json(_ results: [Result], unmatched: [(String, String)], first: Result?, a: String, b: String,
                     tolerance: ComparisonTolerance) -> JSONValue {
        func number(_ v: Double?) -> JSONValue { v.map { $0.isFinite ? .double($0) : .null } ?? .null }
        return .object([
            ("a", .string(a)), ("b", .string(b)),
            ("approximate", .bool(tolerance.approximate)),
            ("layers", .array(results.map { r in
                .object([
                    ("layer", .string(r.layer)), ("other", .string(r.other)),
                    ("tensor", .string(r.tensor)), ("other_tensor", .string(r.otherTensor)),
                    ("shape_a", .array(r.shapeA.map { .int($0) })), ("shape_b", .array(r.shapeB.map { .int($0) })),
                    ("max_abs_err", number(r.difference?.maxAbs ?? .infinity)), ("max_rel_err", number(r.difference?.maxRelative ?? .infinity)),
                    ("cosine", number(r.difference?.cosine)), ("sqnr", number(r.difference?.sqnr)),
                    ("within_tolerance", .bool(r.within)), ("match", .string(r.kind.rawValue)),
                ])
            })),
            ("unmatched", .array(unmatched.map { .object([("layer", .string($0.0)), ("reason", .string($0.1))]) })),
            ("first_divergent", first.map { .string($0.layer) } ?? .null),
        ])
    }
}
