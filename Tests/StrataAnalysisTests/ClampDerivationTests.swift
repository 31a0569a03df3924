import Foundation
import StrataCore
import StrataTestSupport
import XCTest

@testable import StrataAnalysis

/// `ActivationStatistics.add(_:deriving:through:)`: the statistics of a clamp of `x` taken from the
/// pass over `x` must be those that adding the clamped tensor itself gives, bit for bit, in both
/// layouts, at any thread count, over several batches, with saturation bands, and with values on
/// the bounds (−0 included).
final class ClampDerivationTests: XCTestCase {
    /// The clamp as the engine's `Relu` and `Clip` kernels compute it, written out independently.
    func clamped(_ x: Tensor, _ lo: Float, _ hi: Float) -> Tensor {
        let y = try! Tensor(dtype: .float32, shape: x.shape)
        let p = x.pointer(as: Float.self), q = y.pointer(as: Float.self)
        for i in 0 ..< x.count {
            var v = p[i]
            if v < lo { v = lo }
            if v > hi { v = hi }
            q[i] = v
        }
        return y
    }

    /// Seeded finite values around the bounds: exact bounds, ±0, subnormals and values far outside.
    func values(_ shape: [Int], seed: UInt64, lo: Float, hi: Float) -> Tensor {
        var r = SeededGenerator(seed: seed)
        let t = try! Tensor(dtype: .float32, shape: shape)
        let p = t.pointer(as: Float.self)
        for i in 0 ..< t.count {
            switch r.below(40) {
            case 0: p[i] = lo.isFinite ? lo : -3
            case 1: p[i] = hi.isFinite ? hi : 9
            case 2: p[i] = -0.0
            case 3: p[i] = 0
            case 4: p[i] = Float.leastNonzeroMagnitude * Float(Int(r.below(5)) - 2)
            case 5: p[i] = Float((r.unit() - 0.5) * 2e6)
            default: p[i] = Float((r.unit() - 0.45) * 16)
            }
        }
        return t
    }

    func assertSame(_ a: ActivationStatistics, _ b: ActivationStatistics, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.inputs, b.inputs, label, file: file, line: line)
        XCTAssertEqual(a.shape, b.shape, label, file: file, line: line)
        XCTAssertEqual(a.count, b.count, label, file: file, line: line)
        XCTAssertEqual(a.nanCount, b.nanCount, label, file: file, line: line)
        XCTAssertEqual(a.infCount, b.infCount, label, file: file, line: line)
        XCTAssertEqual(a.zeroCount, b.zeroCount, "\(label) zeros", file: file, line: line)
        XCTAssertEqual(a.negativeCount, b.negativeCount, "\(label) negatives", file: file, line: line)
        XCTAssertEqual(a.mean?.bitPattern, b.mean?.bitPattern, "\(label) mean", file: file, line: line)
        XCTAssertEqual(a.sumOfSquaredDeviations.bitPattern, b.sumOfSquaredDeviations.bitPattern, "\(label) m2", file: file, line: line)
        XCTAssertEqual(a.minimum?.bitPattern, b.minimum?.bitPattern, "\(label) minimum", file: file, line: line)
        XCTAssertEqual(a.maximum?.bitPattern, b.maximum?.bitPattern, "\(label) maximum", file: file, line: line)
        XCTAssertEqual(a.histogram, b.histogram, "\(label) histogram", file: file, line: line)
        XCTAssertEqual(a.channelMaxima.map(\.bitPattern), b.channelMaxima.map(\.bitPattern), "\(label) channel maxima", file: file, line: line)
        XCTAssertEqual(a.saturatedCounts, b.saturatedCounts, "\(label) saturation", file: file, line: line)
        XCTAssertEqual(a.deadChannels, b.deadChannels, "\(label) dead", file: file, line: line)
    }

    func testDerivedStatisticsEqualThoseOfTheClampedTensor() throws {
        let clamps: [(Float, Float, SaturationBounds?)] = [
            (0, .infinity, nil),                          // Relu
            (0, 6, SaturationBounds(lo: 0, hi: 6)),       // ReLU6
            (-1.5, 2.5, SaturationBounds(lo: -1.5, hi: 2.5)),
            (-.infinity, 3, nil),
            (-.greatestFiniteMagnitude, .greatestFiniteMagnitude, nil),  // Clip's attribute defaults
            (2, 2, SaturationBounds(lo: 2, hi: 2)),
        ]
        let cases: [([Int], ActivationLayout)] = [([2, 24, 40, 40], .nchw), ([1, 5, 61, 67], .nchw), ([1, 61, 67, 5], .nhwc),
                                                 ([3, 7, 7, 96], .nhwc), ([4, 1000], .nchw), ([9000], .nchw)]
        for (lo, hi, bounds) in clamps {
            let clamp = try XCTUnwrap(ClampBounds(lo: lo, hi: hi))
            for (shape, layout) in cases {
                for threads in [1, 3] {
                    var source = ActivationStatistics(layout: layout, maxThreads: threads)
                    var derived = ActivationStatistics(layout: layout, saturationBounds: bounds, maxThreads: threads)
                    var plainSource = ActivationStatistics(layout: layout, maxThreads: threads)
                    var plain = ActivationStatistics(layout: layout, saturationBounds: bounds, maxThreads: threads)
                    for batch in 0 ..< 2 {
                        let x = values(shape, seed: UInt64(batch * 31 + shape.count), lo: lo, hi: hi)
                        XCTAssertTrue(try source.add(x, deriving: &derived, through: clamp))
                        try plainSource.add(x)
                        try plain.add(clamped(x, lo, hi))
                    }
                    let label = "clamp [\(lo), \(hi)], \(shape) \(layout), \(threads) threads"
                    assertSame(derived, plain, label)
                    assertSame(source, plainSource, "\(label): the source itself")
                }
            }
        }
    }

    /// Relu keeps −0 (it is not below 0), so a tensor whose only zeros are −0 has the minimum −0, in
    /// the vector part of a block and in its tail alike.
    func testNegativeZeroAtTheBoundIsKept() throws {
        let clamp = try XCTUnwrap(ClampBounds(lo: 0, hi: .infinity))
        for zeroAt in [3, 17] {
            let x = Tensor((0 ..< 19).map { $0 == zeroAt ? Float(-0.0) : Float($0 + 1) }, shape: [19])
            var source = ActivationStatistics(layout: .nchw), derived = ActivationStatistics(layout: .nchw)
            XCTAssertTrue(try source.add(x, deriving: &derived, through: clamp))
            var plain = ActivationStatistics(layout: .nchw)
            try plain.add(clamped(x, 0, .infinity))
            XCTAssertEqual(plain.minimum?.bitPattern, (-0.0).bitPattern)
            assertSame(derived, plain, "−0 at \(zeroAt)")
        }
    }

    /// A batch with NaN or ±∞ cannot be derived: the source is still added, the target left as it
    /// was, and the caller adds the op's output itself.
    func testNonFiniteInputLeavesTheTargetAlone() throws {
        let clamp = try XCTUnwrap(ClampBounds(lo: 0, hi: 6))
        var source = ActivationStatistics(layout: .nchw)
        var derived = ActivationStatistics(layout: .nchw, saturationBounds: SaturationBounds(lo: 0, hi: 6))
        let good = values([1, 4, 30, 30], seed: 3, lo: 0, hi: 6)
        XCTAssertTrue(try source.add(good, deriving: &derived, through: clamp))
        let before = derived
        for special in [Float.nan, .infinity, -.infinity] {
            let bad = values([1, 4, 30, 30], seed: 4, lo: 0, hi: 6)
            bad.pointer(as: Float.self)[1234] = special
            XCTAssertFalse(try source.add(bad, deriving: &derived, through: clamp), "\(special)")
            assertSame(derived, before, "after \(special)")
        }
        XCTAssertEqual(source.inputs, 4)
        XCTAssertEqual(source.nanCount, 1)
        XCTAssertEqual(source.infCount, 2)
    }

    /// Other dtypes and a target whose earlier batches had another channel count are not derived.
    func testUnfitInputsAreNotDerived() throws {
        let clamp = try XCTUnwrap(ClampBounds(lo: 0, hi: .infinity))
        var source = ActivationStatistics(layout: .nchw)
        var derived = ActivationStatistics(layout: .nchw)
        let half = try Tensor(dtype: .float16, shape: [1, 2, 3, 3])
        XCTAssertFalse(try source.add(half, deriving: &derived, through: clamp))
        XCTAssertEqual(derived.count, 0)
        try derived.add(values([1, 3, 4, 4], seed: 1, lo: 0, hi: 1))
        XCTAssertFalse(try source.add(values([1, 2, 4, 4], seed: 2, lo: 0, hi: 1), deriving: &derived, through: clamp))
        XCTAssertEqual(derived.count, 48)
        XCTAssertEqual(source.count, 18 + 32)
    }

    /// Bounds a clamp cannot stand for, and the ops and bound forms `ClampBounds.of` accepts.
    func testClampBoundsOfNodes() throws {
        XCTAssertNil(ClampBounds(lo: 1, hi: 0))
        XCTAssertNil(ClampBounds(lo: .nan, hi: 1))
        let six = Tensor([Float(6)], shape: [])
        let zero = Tensor([Float(0)], shape: [])
        let float = ValueType(.float32, nil)
        let graph = Graph(nodes: [
            Node(name: "a", opType: "Relu", opset: 17, inputs: ["x"], outputs: ["a"]),
            Node(name: "b", opType: "Clip", opset: 17, inputs: ["x", "zero", "six"], outputs: ["b"]),
            Node(name: "c", opType: "Clip", opset: 17, inputs: ["x", "", "six"], outputs: ["c"]),
            Node(name: "d", opType: "Clip", opset: 17, inputs: ["x", "fed"], outputs: ["d"]),
            Node(name: "e", opType: "Clip", opset: 17, inputs: ["x", "x"], outputs: ["e"]),
            Node(name: "f", opType: "Sigmoid", opset: 17, inputs: ["x"], outputs: ["f"]),
            Node(name: "g", opType: "Clip", opset: 6, inputs: ["x"], outputs: ["g"], attributes: ["min": .float(-1), "max": .float(1)]),
        ], inputs: [ValueInfo(name: "x", type: float), ValueInfo(name: "fed", type: float)],
        initializers: ["zero": zero, "six": six, "fed": zero])
        let of = { (i: Int) in ClampBounds.of(graph.nodes[i], in: graph) }
        XCTAssertEqual(of(0), ClampBounds(lo: 0, hi: .infinity))
        XCTAssertEqual(of(1), ClampBounds(lo: 0, hi: 6))
        XCTAssertEqual(of(2), ClampBounds(lo: -.infinity, hi: 6))
        XCTAssertNil(of(3), "a graph input's default may be overridden")
        XCTAssertNil(of(4), "a bound computed at run time")
        XCTAssertNil(of(5))
        XCTAssertEqual(of(6), ClampBounds(lo: -1, hi: 1))
    }

    /// `ClampBounds.source`: a Relu or Clip of its first input, and `Min(Relu(x), c)` (either operand
    /// order) of `x`, for a constant float32 scalar `c` above 0 only.
    func testClampSourcesOfNodes() throws {
        let float = ValueType(.float32, nil)
        let graph = Graph(nodes: [
            Node(name: "r", opType: "Relu", opset: 17, inputs: ["x"], outputs: ["r"]),
            Node(name: "a", opType: "Min", opset: 17, inputs: ["r", "six"], outputs: ["a"]),
            Node(name: "b", opType: "Min", opset: 17, inputs: ["six", "r"], outputs: ["b"]),
            Node(name: "c", opType: "Min", opset: 17, inputs: ["r", "fed"], outputs: ["c"]),
            Node(name: "d", opType: "Min", opset: 17, inputs: ["x", "six"], outputs: ["d"]),
            Node(name: "e", opType: "Min", opset: 17, inputs: ["r", "zero"], outputs: ["e"]),
            Node(name: "f", opType: "Min", opset: 17, inputs: ["r", "r"], outputs: ["f"]),
            Node(name: "g", opType: "Clip", opset: 17, inputs: ["x", "zero", "six"], outputs: ["g"]),
        ], inputs: [ValueInfo(name: "x", type: float), ValueInfo(name: "fed", type: float)],
        initializers: ["zero": Tensor([Float(0)], shape: []), "six": Tensor([Float(6)], shape: []), "fed": Tensor([Float(6)], shape: [])])
        let source = { (i: Int) -> (String, ClampBounds)? in
            ClampBounds.source(of: graph.nodes[i], in: graph, producer: { name in graph.nodes.first { $0.outputs.contains(name) } })
                .map { ($0.input, $0.bounds) }
        }
        XCTAssertEqual(source(0)?.0, "x")
        XCTAssertEqual(source(0)?.1, ClampBounds(lo: 0, hi: .infinity))
        for i in [1, 2] {
            XCTAssertEqual(source(i)?.0, "x", graph.nodes[i].name)
            XCTAssertEqual(source(i)?.1, ClampBounds(lo: 0, hi: 6), graph.nodes[i].name)
        }
        XCTAssertNil(source(3), "a graph input's default may be overridden")
        XCTAssertNil(source(4), "a Min of a value that is no Relu's")
        XCTAssertNil(source(5), "a bound of 0: the sign of a zero would be the Min's")
        XCTAssertNil(source(6))
        XCTAssertEqual(source(7)?.1, ClampBounds(lo: 0, hi: 6))
    }
}
