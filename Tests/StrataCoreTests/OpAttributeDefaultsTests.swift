import Foundation
import XCTest
@testable import StrataCore

/// Every `ai.onnx` op Strata registers, against the attribute tables of the ONNX spec
/// (`Fixtures/ops/attribute-defaults.json`, written by `Tools/make-attribute-defaults.py` from
/// `onnx.defs`): its typed attributes, parsed from a node that sets only the required ones, hold the
/// spec's defaults, and every attribute the spec lists is read or named here as unsupported.
final class OpAttributeDefaultsTests: XCTestCase {
    /// Spec attributes Strata's typed attributes do not read, by op, with the reason.
    static let unsupported: [String: [String: String]] = [
        "Cast": ["round_mode": e8m0],
        "CastLike": ["round_mode": e8m0],
        "Dropout": ["ratio": inference, "seed": inference, "is_test": inference],
        "QuantizeLinear": ["precision": "the quotient is rounded in the precision numpy divides x and the scale in "
                           + "(Docs/Quantization.md), which is the spec's default; an explicit precision is not read"],
        "If": ["then_branch": subgraph, "else_branch": subgraph],
        "Loop": ["body": subgraph],
        "Scan": ["body": subgraph],
        "SequenceMap": ["body": subgraph],
        "Constant": ["value_float": shorthand, "value_floats": shorthand, "value_int": shorthand, "value_ints": shorthand,
                     "value_string": stringConstant, "value_strings": stringConstant, "sparse_value": stringConstant],
    ]
    /// Spec defaults Strata's typed attributes deliberately leave unset, by op, with the reason.
    static let unsetDefaults: [String: [String: String]] = [
        "RNN": ["activations": "the spec's default [Tanh, Tanh] names Tanh for each direction of a bidirectional RNN; "
                + "left unset, the engine applies the cell's default functions once per direction, which is the same"],
    ]
    private static let e8m0 = "only concerns float8e8m0 targets, a type Strata refuses at import"
    private static let inference = "Strata runs inference, where Dropout passes its input through"
    private static let shorthand = "the ONNX importer rewrites Constant's numeric shorthands into 'value'"
    private static let stringConstant = "string and sparse constants are not supported; the ONNX importer rejects them"

    /// Ops whose attributes are still read by name at their consumers rather than through a typed struct.
    static let notYetTyped: [String: String] = [:]
    private static let subgraph = "a graph attribute, read as a subgraph through Node.subgraph / Node.requiredSubgraph"

    /// Values for ops that need exactly one of several attributes the spec marks optional (or, in older
    /// versions, required), added to their required ones.
    static let oneOfSamples: [String: [String: Attribute]] = [
        "Constant": ["value": .tensor(.scalar(Float(1)))],
    ]

    /// Values for the required attributes of each op, so that a node holding only these parses.
    static let requiredSamples: [String: [String: Attribute]] = [
        "TopK": ["k": .int(1)],
        "Cast": ["to": .int(1)],
        "BitCast": ["to": .int(6)],
        "LinearAttention": ["q_num_heads": .int(2), "kv_num_heads": .int(1)],
        "BitShift": ["direction": .string("LEFT")],
        "Einsum": ["equation": .string("ij,jk->ik")],
        "GroupNormalization": ["num_groups": .int(1)],
        "LRN": ["size": .int(1)],
        "MaxPool": ["kernel_shape": .ints([2, 2])],
        "MaxUnpool": ["kernel_shape": .ints([2, 2])],
        "AveragePool": ["kernel_shape": .ints([2, 2])],
        "LpPool": ["kernel_shape": .ints([2, 2])],
        "Concat": ["axis": .int(0)],
        "Slice": ["starts": .ints([0]), "ends": .ints([1])],
        "Pad": ["pads": .ints([0, 0])],
        "Unsqueeze": ["axes": .ints([0])],
        "DepthToSpace": ["blocksize": .int(2)],
        "SpaceToDepth": ["blocksize": .int(2)],
        "Upsample": ["scales": .floats([1, 1, 2, 2])],
        "Scan": ["num_scan_inputs": .int(1)],
        "ConcatFromSequence": ["axis": .int(0)],
    ]

    private struct SpecAttribute {
        let type: String
        let required: Bool
        let defaultValue: Any?
    }

    private struct SpecVersion {
        let since: Int
        let attributes: [String: SpecAttribute]
    }

    private func loadSpec() throws -> [String: [SpecVersion]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/ops/attribute-defaults.json")
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let ops = try XCTUnwrap(document["ops"] as? [String: [[String: Any]]])
        return try ops.mapValues { versions in
            try versions.map { version in
                let attributes = try XCTUnwrap(version["attributes"] as? [String: [String: Any]])
                return SpecVersion(since: try XCTUnwrap(version["since"] as? Int), attributes: try attributes.mapValues {
                    SpecAttribute(type: try XCTUnwrap($0["type"] as? String), required: try XCTUnwrap($0["required"] as? Bool),
                                  defaultValue: $0["default"])
                })
            }
        }
    }

    /// Whether `value` is the spec default `expected` (JSON numbers, strings, lists; "inf"/"-inf" for infinite floats).
    private func matches(_ value: Attribute, _ expected: Any) -> Bool {
        func float(_ e: Any) -> Float? {
            if let s = e as? String { return s == "inf" ? .infinity : s == "-inf" ? -.infinity : nil }
            return (e as? NSNumber).map { Float($0.doubleValue) }
        }
        switch value {
        case .int(let v): return (expected as? NSNumber).map { $0.intValue == v && $0.doubleValue == Double(v) } ?? false
        case .float(let v): return float(expected) == v
        case .string(let v): return expected as? String == v
        case .ints(let v): return (expected as? [NSNumber])?.map(\.intValue) == v
        case .floats(let v): return (expected as? [Any])?.map(float) == v.map { $0 }
        case .strings(let v): return expected as? [String] == v
        case .tensor, .graph, .graphs, .type: return false
        }
    }

    func testTypedAttributesHoldTheSpecDefaultsAndReadEverySpecAttribute() throws {
        let spec = try loadSpec()
        var failures: [String] = []
        for schema in OpRegistry.schemas.values.sorted(by: { $0.opType < $1.opType }) where schema.domain.isEmpty {
            let op = schema.opType
            guard let versions = spec[op] else {
                failures.append("\(op): not an ai.onnx op in the spec table")
                continue
            }
            let typed = ObjectIdentifier(schema.attributes) != ObjectIdentifier(NoAttributes.self)
            if Self.notYetTyped[op] != nil {
                if typed { failures.append("\(op): has typed attributes; remove it from notYetTyped") }
                continue
            }
            var checked = Set<Int>()
            for opset in max(schema.opsets.lowerBound, OpRegistry.oldestOpset)...schema.opsets.upperBound {
                guard let version = versions.last(where: { $0.since <= opset }), checked.insert(version.since).inserted else { continue }
                let where_ = "\(op) (version \(version.since), opset \(opset))"
                let skipped = Self.unsupported[op] ?? [:]
                let read = Set(schema.attributes.names)
                for name in version.attributes.keys.sorted() where !read.contains(name) && skipped[name] == nil {
                    failures.append("\(where_): attribute '\(name)' is neither read nor listed as unsupported")
                }
                var attributes: [String: Attribute] = [:]
                for (name, a) in version.attributes where a.required && skipped[name] == nil {
                    guard let sample = Self.requiredSamples[op]?[name] ?? Self.oneOfSamples[op]?[name] else {
                        failures.append("\(where_): no sample value for required attribute '\(name)'")
                        continue
                    }
                    attributes[name] = sample
                }
                attributes.merge(Self.oneOfSamples[op] ?? [:]) { given, _ in given }
                let node = Node(name: "n", opType: op, opset: opset, inputs: ["x"], outputs: ["y"], attributes: attributes)
                let values: [String: Attribute]
                do {
                    values = try schema.attributes.init(node: node).values
                } catch {
                    failures.append("\(where_): a node with only its required attributes does not parse: \(error)")
                    continue
                }
                for (name, a) in version.attributes.sorted(by: { $0.key < $1.key }) where skipped[name] == nil {
                    guard let expected = a.defaultValue, Self.unsetDefaults[op]?[name] == nil else { continue }
                    guard let value = values[name] else {
                        failures.append("\(where_): attribute '\(name)' has the spec default \(expected) but no parsed value")
                        continue
                    }
                    if !matches(value, expected) {
                        failures.append("\(where_): attribute '\(name)' defaults to \(value), the spec says \(expected)")
                    }
                }
            }
        }
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }
}
