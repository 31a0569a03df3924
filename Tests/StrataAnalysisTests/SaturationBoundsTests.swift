import CStrataKernels
import StrataCore
import StrataKeras
import StrataTestSupport
import XCTest

@testable import StrataAnalysis

final class SaturationBoundsTests: XCTestCase {
    private let x = ValueInfo(name: "x", type: ValueType(.float32, concrete: [1, 4]))

    private func graph(_ nodes: [Node], initializers: [String: Tensor] = [:]) -> Graph {
        Graph(nodes: nodes, inputs: [x], initializers: initializers)
    }

    private func node(_ op: String, _ inputs: [String], _ output: String, opset: Int = 17, _ attributes: [String: Attribute] = [:]) -> Node {
        Node(name: output, opType: op, opset: opset, inputs: inputs, outputs: [output], attributes: attributes)
    }

    func testActivationsAndWhatTheyPassThrough() {
        let g = graph([
            node("Sigmoid", ["x"], "s"), node("Transpose", ["s"], "t"), node("Reshape", ["t", "shape"], "r"),
            node("Dropout", ["r"], "d"), node("Relu", ["d"], "q"),
            node("Tanh", ["x"], "h"), node("Flatten", ["h"], "f"), node("Unsqueeze", ["f", "axes"], "u"), node("Squeeze", ["u"], "sq"),
            node("Softsign", ["x"], "ss"), node("HardSigmoid", ["x"], "hs"), node("Softmax", ["x"], "sm"), node("LogSoftmax", ["x"], "ls"),
            node("Identity", ["sm"], "i"), node("Cast", ["s"], "c16", ["to": .int(10)]), node("Cast", ["s"], "c32", ["to": .int(6)]),
        ])
        let unit = SaturationBounds(lo: 0, hi: 1), symmetric = SaturationBounds(lo: -1, hi: 1)
        XCTAssertEqual(SaturationBounds.of(tensor: "s", in: g), unit)
        XCTAssertEqual(SaturationBounds.of(tensor: "d", in: g), unit)
        XCTAssertNil(SaturationBounds.of(tensor: "q", in: g))
        XCTAssertNil(SaturationBounds.of(tensor: "x", in: g))
        XCTAssertNil(SaturationBounds.of(tensor: "nowhere", in: g))
        XCTAssertEqual(SaturationBounds.of(tensor: "sq", in: g), symmetric)
        XCTAssertEqual(SaturationBounds.of(tensor: "ss", in: g), symmetric)
        XCTAssertEqual(SaturationBounds.of(tensor: "hs", in: g), unit)
        XCTAssertEqual(SaturationBounds.of(tensor: "i", in: g), unit)
        XCTAssertNil(SaturationBounds.of(tensor: "ls", in: g))
        XCTAssertEqual(SaturationBounds.of(tensor: "c16", in: g), unit)
        XCTAssertNil(SaturationBounds.of(tensor: "c32", in: g))
    }

    func testClipNeedsBothConstantBounds() {
        let g = graph([
            node("Clip", ["x", "zero", "six"], "relu6"),
            node("Constant", [], "minus", ["value": .tensor(Tensor([Float(-2)], shape: []))]),
            node("Clip", ["x", "minus", "six"], "fromConstant"),
            node("Clip", ["x", "zero"], "minOnly"),
            node("Clip", ["x", "zero", "x"], "variable"),
            node("Clip", ["x"], "old", opset: 6, ["min": .float(-1), "max": .float(1)]),
            node("Clip", ["x"], "oldMinOnly", opset: 6, ["min": .float(-1)]),
        ], initializers: ["zero": Tensor([Float(0)], shape: []), "six": Tensor([Float(6)], shape: [1])])
        XCTAssertEqual(SaturationBounds.of(tensor: "relu6", in: g), SaturationBounds(lo: 0, hi: 6))
        XCTAssertEqual(SaturationBounds.of(tensor: "fromConstant", in: g), SaturationBounds(lo: -2, hi: 6))
        XCTAssertNil(SaturationBounds.of(tensor: "minOnly", in: g))
        XCTAssertNil(SaturationBounds.of(tensor: "variable", in: g))
        XCTAssertEqual(SaturationBounds.of(tensor: "old", in: g), SaturationBounds(lo: -1, hi: 1))
        XCTAssertNil(SaturationBounds.of(tensor: "oldMinOnly", in: g))
    }

    /// Keras layers with an activation option end in the activation's op (after the layout transpose).
    func testKerasLayers() throws {
        func bounds(_ file: String, _ layer: String) throws -> SaturationBounds? {
            let graph = try KerasImporter.load(path: AnalysisFixtures.root + "/Fixtures/keras/" + file).graph
            let row = try XCTUnwrap(graph.captureTable.first { $0.layer == layer }, layer)
            return SaturationBounds.of(tensor: row.tensor, in: graph)
        }
        XCTAssertEqual(try bounds("cnn.k3.h5", "probs"), SaturationBounds(lo: 0, hi: 1))
        XCTAssertNil(try bounds("cnn.k3.h5", "conv1"))
        XCTAssertNil(try bounds("cnn.k3.h5", "relu2"))
        XCTAssertEqual(try bounds("conv.k2.h5", "conv2d_same_s2"), SaturationBounds(lo: 0, hi: 6))
        XCTAssertEqual(try bounds("conv.k2.h5", "sepconv2d"), SaturationBounds(lo: -1, hi: 1))
        XCTAssertNil(try bounds("conv.k2.h5", "conv2d_dilated"))
        XCTAssertEqual(try bounds("functional.k3.h5", "out_aux"), SaturationBounds(lo: 0, hi: 1))
        XCTAssertEqual(try bounds("functional.k3.h5", "shared_dense"), SaturationBounds(lo: -1, hi: 1))
    }
}

/// The float32 form of "within the tolerance of a bound" the kernels use equals the double definition.
final class SaturationBandsTests: XCTestCase {
    func testFloatBandsEqualTheDoubleTest() {
        let cases: [(Double, Double)] = [(0, 1), (-1, 1), (0, 6), (-2.5, 1e10), (1e-5, 3e38), (-3.4e38, 0), (0.1, 0.1000001), (1e-300, 1e300)]
        var random = SeededGenerator(seed: 17)
        for (lo, hi) in cases {
            let bounds = SaturationBounds(lo: lo, hi: hi)
            let bands = bounds.floatBands
            var values: [Float] = [0, -0.0, .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
            for b in [lo, hi] {
                for centre in [b - 1e-3, b + 1e-3, b] {
                    var x = Float(centre)
                    for _ in 0 ..< 40 { x = x.nextDown }
                    for _ in 0 ..< 80 {
                        values.append(x)
                        x = x.nextUp
                    }
                }
                for _ in 0 ..< 2000 { values.append(Float(b + (random.unit() - 0.5) * 4e-3)) }
            }
            for x in values {
                XCTAssertEqual(bands.count(x), bounds.contains(Double(x)) ? 1 : 0, "bounds [\(lo), \(hi)], value \(x)")
            }
            let expected = values.filter { bounds.contains(Double($0)) }.count
            var kernelBands = bands.kernelBands
            var inside: Int64 = 0
            _ = strata_run_max_f32(values, values.count, &kernelBands, -.infinity, .infinity, &inside)
            XCTAssertEqual(Int(inside), expected, "[\(lo), \(hi)]: the kernels' count")
        }
    }
}
