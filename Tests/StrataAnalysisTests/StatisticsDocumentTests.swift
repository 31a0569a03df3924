import Foundation
import StrataCore
import StrataTestSupport
import XCTest

@testable import StrataAnalysis

/// Statistics documents: exact round trips, merging, and a clear error for every malformed or
/// hostile field (`strata stats merge` reads files users give it).
final class StatisticsDocumentTests: XCTestCase {
    /// Two layers: a channels-last sigmoid with saturation bounds and a dense output without.
    func document(seed: UInt64 = 1, model: String? = "net.onnx", layout: ActivationLayout = .nhwc) throws -> StatisticsDocument {
        var r = SeededGenerator(seed: seed)
        var a = ActivationStatistics(layout: layout, saturationBounds: SaturationBounds(lo: 0, hi: 1))
        try a.add(Tensor((0 ..< 2 * 4 * 4 * 3).map { _ in Float(r.unit()) }, shape: [2, 4, 4, 3]))
        var b = ActivationStatistics(layout: layout)
        try b.add(Tensor((0 ..< 10).map { _ in Float(r.unit() - 0.5) * 1e-3 } + [.nan, .infinity], shape: [2, 6]))
        return StatisticsDocument(model: model, layout: layout, inputs: 2, skipped: ["broken.png"], layers: [
            LayerStatistics(output: LayerOutput(layer: "gate", op: "Sigmoid", output: 0, tensor: "gate/Sigmoid"), statistics: a),
            LayerStatistics(output: LayerOutput(layer: "dense", op: "Dense", call: 1, output: 0, tensor: "dense_out"), statistics: b),
        ])
    }

    func read(_ text: String, file: String = "x.json") throws -> StatisticsDocument {
        try StatisticsDocument(json: try JSONValue.parse(Data(text.utf8), file: file), file: file)
    }

    func testRoundTripIsExact() throws {
        let doc = try document()
        let text = doc.rendered()
        let back = try read(text)
        XCTAssertEqual(back.rendered(), text)
        let a = doc.layers[0].statistics, b = back.layers[0].statistics
        XCTAssertEqual(a.mean!.bitPattern, b.mean!.bitPattern)
        XCTAssertEqual(a.sumOfSquaredDeviations.bitPattern, b.sumOfSquaredDeviations.bitPattern)
        XCTAssertEqual(a.histogram, b.histogram)
        XCTAssertEqual(back.layers[1].output.call, 1)
        XCTAssertEqual(back.layers[1].statistics.nanCount, 1)

        let path = try makeScratchFolder(prefix: "strata-stats") + "/stats.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try StatisticsDocument.read(path).rendered(), text)
        XCTAssertThrowsError(try StatisticsDocument.read(path + ".missing")) { error in
            XCTAssertEqual(String(describing: error), "\(path).missing: file not found")
        }
    }

    /// Layers with no values (a zero-sized axis) and rank 0 read back too.
    func testEmptyLayersRoundTrip() throws {
        var empty = ActivationStatistics(layout: .nhwc, saturationBounds: SaturationBounds(lo: 0, hi: 1))
        try empty.add(Tensor(dtype: .float32, shape: [2, 3, 0]))
        var scalar = ActivationStatistics(layout: .nhwc)
        try scalar.add(Tensor.scalar(Float(2.5)))
        let doc = StatisticsDocument(layout: .nhwc, inputs: 2, layers: [
            LayerStatistics(output: LayerOutput(layer: "empty", op: "Slice", output: 0, tensor: "e"), statistics: empty),
            LayerStatistics(output: LayerOutput(layer: "scalar", op: "ReduceMean", output: 0, tensor: "s"), statistics: scalar),
        ])
        let back = try read(doc.rendered())
        XCTAssertEqual(back.rendered(), doc.rendered())
        XCTAssertEqual(back.layers[0].statistics.shape, [2, 3, 0])
        XCTAssertEqual(back.layers[1].statistics.shape, [])
        XCTAssertEqual(back.layers[1].statistics.inputs, 1)
        XCTAssertEqual(back.layers[1].statistics.mean, 2.5)
    }

    func testSchemaFields() throws {
        let json = try document().json
        XCTAssertEqual(json.members!.map(\.0), ["model", "layout", "inputs", "skipped", "layers"])
        let layer = json["layers"]!.array![0]
        XCTAssertEqual(layer.members!.map(\.0), [
            "layer", "tensor", "output", "op", "shape", "count", "mean", "std", "min", "max", "zeros", "negative", "nan", "inf",
            "dead", "saturated", "histogram", "m2", "zero_count", "negative_count", "channels", "saturation_bounds",
        ])
        XCTAssertEqual(layer["shape"], .array([.int(2), .int(4), .int(4), .int(3)]))
        XCTAssertEqual(layer["channels"]?.members?.map(\.0), ["axis", "max", "saturated_count"])
    }

    // MARK: Malformed documents

    /// The valid document's text with one field of layer 0 (or the root, for `layer: nil`) replaced.
    func mutated(_ key: String, layer: Int? = 0, _ value: JSONValue?) throws -> String {
        func replace(_ object: JSONValue, _ key: String, _ value: JSONValue?) -> JSONValue {
            var members = object.members!
            if let i = members.firstIndex(where: { $0.0 == key }) {
                if let value { members[i].1 = value } else { members.remove(at: i) }
            } else if let value {
                members.append((key, value))
            }
            return .object(members)
        }
        let root = try document().json
        guard let layer else { return replace(root, key, value).rendered() }
        var layers = root["layers"]!.array!
        let path = key.split(separator: ".").map(String.init)
        if path.count == 2 {
            layers[layer] = replace(layers[layer], path[0], replace(layers[layer][path[0]]!, path[1], value))
        } else {
            layers[layer] = replace(layers[layer], key, value)
        }
        return replace(root, "layers", .array(layers)).rendered()
    }

    func assertRefused(_ text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try read(text), file: file, line: line) { error in
            XCTAssertEqual(String(describing: error), message, file: file, line: line)
        }
    }

    func testMalformedDocumentsAreRefusedWithTheirField() throws {
        XCTAssertThrowsError(try read("{\"layers\": [1, 2")) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("x.json: not valid JSON: "), "\(error)")
        }
        XCTAssertThrowsError(try read(String(repeating: "[", count: 100_000))) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("x.json: not valid JSON"), "\(error)")
        }
        assertRefused("[1, 2]", "x.json: expected a statistics object, found an array")
        assertRefused(try mutated("layout", layer: nil, nil), "x.json: field 'layout': is missing")
        assertRefused(try mutated("layout", layer: nil, .string("NWHC")), "x.json: field 'layout': expected \"NCHW\" or \"NHWC\"")
        assertRefused(try mutated("inputs", layer: nil, .double(1.5)), "x.json: field 'inputs': expected a whole number, found a number")
        assertRefused(try mutated("layers", layer: nil, .string("all")), "x.json: field 'layers': expected an array, found a string")
        assertRefused(try mutated("count", nil), "x.json: node 'gate', field 'count': is missing")
        assertRefused(try mutated("nan", .int(-1)), "x.json: node 'gate', field 'nan': expected a number ≥ 0, found -1")
        assertRefused(try mutated("op", .int(3)), "x.json: node 'gate', field 'op': expected a string, found a number")
        assertRefused(try mutated("nan", .int(Int.max)), "x.json: node 'gate': nan + inf exceed count")
        assertRefused(try mutated("zero_count", .int(97)), "x.json: node 'gate': zero_count + negative_count + nan exceed count")
        assertRefused(try mutated("count", .int(Int.max)), "x.json: node 'gate', field 'shape': holds 96 values but count is \(Int.max)")
        assertRefused(try mutated("shape", .array([.int(Int.max), .int(4), .int(4), .int(3)])),
                      "x.json: node 'gate', field 'shape': the shape's size overflows")
        assertRefused(try mutated("shape", .array([.null, .int(4), .int(4), .int(3)])),
                      "x.json: node 'gate', field 'shape': the batch size is unknown")
        assertRefused(try mutated("mean", .string("NaN")), "x.json: node 'gate', field 'mean': expected a finite number, found a string")
        assertRefused(try mutated("m2", .double(-1)), "x.json: node 'gate', field 'm2': is negative")
        assertRefused(try mutated("min", .double(2)), "x.json: node 'gate': min is above max")
        assertRefused(try mutated("histogram.edges", .array([.double(0.5), .double(0.75)])),
                      "x.json: node 'gate', field 'histogram': 2 edges need 1 counts, found \(try histogramCounts())")
        assertRefused(try mutated("histogram.counts", .array([.int(96)])),
                      "x.json: node 'gate', field 'histogram': \(try histogramEdges()) edges need \(try histogramEdges() - 1) counts, found 1")
        let edges = try document().layers[0].statistics.histogram.trimmed.edges
        assertRefused(try mutated("histogram.edges", .array(edges.map { .double($0 * 1.01) })),
                      "x.json: node 'gate', field 'histogram.edges': the edges are not consecutive limits of TensorBoard's default buckets")
        var counts = try document().layers[0].statistics.histogram.trimmed.counts
        counts[0] += 1
        assertRefused(try mutated("histogram.counts", .array(counts.map(JSONValue.int))),
                      "x.json: node 'gate', field 'histogram': counts add up to 97, but 96 values are finite")
        assertRefused(try mutated("channels.max", .array([.int(1), .int(1)])),
                      "x.json: node 'gate', field 'channels.max': expected 3 values, found 2")
        assertRefused(try mutated("channels.max", .array([.int(1), .string("inf"), .int(1)])),
                      "x.json: node 'gate', field 'channels.max[1]': expected a finite number, found a string")
        assertRefused(try mutated("channels.axis", .int(1)), "x.json: node 'gate', field 'channels.axis': expected 3 for rank 4 in NHWC")
        assertRefused(try mutated("channels.saturated_count", .array([.int(1), .int(1), .int(33)])),
                      "x.json: node 'gate', field 'channels.saturated_count': a count exceeds the 32 values per channel")
        assertRefused(try mutated("saturation_bounds", nil), "x.json: node 'gate', field 'channels': saturated_count and saturation_bounds come together")
        assertRefused(try mutated("saturation_bounds", .array([.int(1), .int(0)])), "x.json: node 'gate', field 'saturation_bounds': lo is above hi")
        assertRefused(try mutated("channels", layer: 1, .null), "x.json: node 'dense', field 'channels': expected an object, found null")

        var doubled = try document().json.members!
        let layers = doubled[4].1.array!
        doubled[4].1 = .array(layers + [layers[0]])
        assertRefused(JSONValue.object(doubled).rendered(), "x.json: layer 'gate' (tensor 'gate/Sigmoid', output 0) appears twice")
    }

    private func histogramCounts() throws -> Int { try document().layers[0].statistics.histogram.trimmed.counts.count }
    private func histogramEdges() throws -> Int { try document().layers[0].statistics.histogram.trimmed.edges.count }

    // MARK: Merging

    func testMergeAddsShards() throws {
        let a = try document(seed: 1), b = try document(seed: 2)
        let merged = try StatisticsDocument.merged([a, b], files: ["a.json", "b.json"])
        XCTAssertEqual(merged.inputs, 4)
        XCTAssertEqual(merged.skipped, ["broken.png", "broken.png"])
        var expected = a.layers[0].statistics
        try expected.merge(b.layers[0].statistics)
        XCTAssertEqual(merged.layers[0].statistics.histogram, expected.histogram)
        XCTAssertEqual(merged.layers[0].statistics.count, 192)
        XCTAssertEqual(merged.layers[0].statistics.shape, [4, 4, 4, 3])
        // Layers match by key, not by position.
        var reordered = b
        reordered.layers.reverse()
        XCTAssertEqual(try StatisticsDocument.merged([a, reordered], files: ["a.json", "b.json"]).rendered(), merged.rendered())
    }

    func testShardsThatDoNotBelongTogether() throws {
        let a = try document()
        func assertRefused(_ b: StatisticsDocument, _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try StatisticsDocument.merged([a, b], files: ["a.json", "b.json"]), line: line) { error in
                XCTAssertEqual(String(describing: error), message, line: line)
            }
        }
        assertRefused(try document(layout: .nchw), "b.json: has layout NCHW but a.json has NHWC")
        assertRefused(try document(model: "other.onnx"), "b.json: is about model 'other.onnx' but a.json is about 'net.onnx'")
        var missing = try document()
        missing.layers.removeLast()
        assertRefused(missing, "b.json: has no layer 'dense' (tensor 'dense_out', output 0), which a.json has: statistics of different models or layers")
        var extra = try document()
        extra.layers.append(LayerStatistics(output: LayerOutput(layer: "x", op: "Relu", output: 0, tensor: "x"),
                                            statistics: ActivationStatistics(layout: .nhwc)))
        assertRefused(extra, "b.json: has layer 'x' (tensor 'x', output 0), which a.json has not: statistics of different models or layers")
        var otherOp = try document()
        otherOp.layers[0].output.op = "Tanh"
        assertRefused(otherOp, "b.json: node 'gate': the op is Sigmoid in one shard and Tanh in another")
        var otherBounds = try document()
        otherBounds.layers[0].statistics = ActivationStatistics(layout: .nhwc, saturationBounds: SaturationBounds(lo: -1, hi: 1))
        try otherBounds.layers[0].statistics.add(Tensor([Float](repeating: 0, count: 48), shape: [1, 4, 4, 3]))
        assertRefused(otherBounds, "b.json: node 'gate': statistics with different saturation bounds do not merge")
        var otherChannels = try document()
        otherChannels.layers[0].statistics = ActivationStatistics(layout: .nhwc, saturationBounds: SaturationBounds(lo: 0, hi: 1))
        try otherChannels.layers[0].statistics.add(Tensor([Float](repeating: 0, count: 32), shape: [1, 4, 4, 2]))
        assertRefused(otherChannels, "b.json: node 'gate': statistics of shapes [2, 4, 4, 3] and [1, 4, 4, 2] do not merge")
        XCTAssertThrowsError(try StatisticsDocument.merged([], files: []))
    }

    func testSuspicionOrder() throws {
        func layer(_ name: String, _ values: [Float], shape: [Int], bounds: SaturationBounds? = nil) throws -> LayerStatistics {
            var s = ActivationStatistics(layout: .nchw, saturationBounds: bounds)
            try s.add(Tensor(values, shape: shape))
            return LayerStatistics(output: LayerOutput(layer: name, op: "X", output: 0, tensor: name), statistics: s)
        }
        let plain = try layer("plain", [1, -2, 3, 4], shape: [1, 4])
        let zeros = try layer("zeros", [0, -2, 3, 4], shape: [1, 4])
        let dead = try layer("dead", [0, 0, 3, 4], shape: [1, 4])
        let saturated = try layer("saturated", [1, 1, 0.5, 0.5], shape: [1, 4], bounds: SaturationBounds(lo: 0, hi: 1))
        let nan = try layer("nan", [.nan, 1, 2, 3], shape: [1, 4])
        let moreNaN = try layer("moreNaN", [.nan, .infinity, 2, 3], shape: [1, 4])
        let plain2 = try layer("plain2", [5, -6, 7, 8], shape: [1, 4])
        let order = [plain, zeros, dead, saturated, nan, moreNaN, plain2].sortedBySuspicion().map(\.output.layer)
        XCTAssertEqual(order, ["moreNaN", "nan", "dead", "saturated", "zeros", "plain", "plain2"])
        XCTAssertEqual(dead.suspicion.dead, 0.5)
        XCTAssertEqual(saturated.suspicion.saturated, 0.5)
    }
}
