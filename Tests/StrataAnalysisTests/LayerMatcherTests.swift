import Foundation
import StrataTestSupport
import XCTest
@testable import StrataAnalysis

/// The matcher on synthetic models: chains of activations whose values are seeded random numbers,
/// copied into another "model" transposed, renamed, duplicated, perturbed or rounded.
final class LayerMatcherTests: XCTestCase {
    /// Seeded values in [-1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var random = SeededGenerator(seed: seed)
        return random.floats(count)
    }

    /// NHWC values of shape [1, h, w, c] as NCHW.
    static func toNCHW(_ v: [Float], h: Int, w: Int, c: Int) -> [Float] {
        var out = [Float](repeating: 0, count: v.count)
        for y in 0 ..< h { for x in 0 ..< w { for k in 0 ..< c { out[(k * h + y) * w + x] = v[(y * w + x) * c + k] } } }
        return out
    }

    /// A chain: each activation computed from the one before.
    static func chain(_ items: [(String, [Int], [Float])]) -> [ComparedActivation] {
        items.enumerated().map { i, item in
            ComparedActivation(name: item.0, shape: item.1, values: item.2, inputs: i == 0 ? [] : [i - 1])
        }
    }

    /// Reference: input [1,4,4,3] → conv [1,4,4,8] → relu [1,4,4,8] → pool [1,2,2,8] (NHWC).
    static func reference() -> [ComparedActivation] {
        chain([
            ("input", [1, 4, 4, 3], values(48, seed: 1)),
            ("conv", [1, 4, 4, 8], values(128, seed: 2)),
            ("relu", [1, 4, 4, 8], values(128, seed: 2).map { max(0, $0) }),
            ("pool", [1, 2, 2, 8], values(32, seed: 4)),
        ])
    }

    func match(_ a: [ComparedActivation], _ b: [ComparedActivation], _ strategy: MatchStrategy = .auto,
               tolerance: ComparisonTolerance = .init()) -> LayerMatching {
        LayerMatcher(strategy: strategy, tolerance: tolerance).match(a, b)
    }

    func pairs(_ m: LayerMatching, _ a: [ComparedActivation], _ b: [ComparedActivation]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: m.matches.map { (a[$0.reference].name, b[$0.other].name) })
    }

    func testTransposedRenamedCopiesMatchByValue() {
        let a = Self.reference()
        let b = Self.chain([
            ("x", [1, 3, 4, 4], Self.toNCHW(a[0].values, h: 4, w: 4, c: 3)),
            ("t1", [1, 8, 4, 4], Self.toNCHW(a[1].values, h: 4, w: 4, c: 8)),
            ("t2", [1, 8, 4, 4], Self.toNCHW(a[2].values, h: 4, w: 4, c: 8)),
            ("t3", [1, 8, 2, 2], Self.toNCHW(a[3].values, h: 2, w: 2, c: 8)),
        ])
        let m = match(a, b)
        XCTAssertEqual(pairs(m, a, b), ["input": "x", "conv": "t1", "relu": "t2", "pool": "t3"])
        XCTAssertEqual(m.matches.map(\.kind), [.value, .value, .value, .value])
        XCTAssertTrue(m.matches.allSatisfy { $0.agrees && $0.difference?.maxAbs == 0 && $0.transform.permutation == [1, 2, 0] })
        XCTAssertNil(m.firstDivergent)
        XCTAssertTrue(match(a, b, .names).matches.isEmpty)
    }

    func testUpstreamCopyIsNotMatchedAfterALaterMatch() {
        // B computes a copy of `relu` before `conv`'s counterpart: graph order rules it out.
        let a = Self.reference()
        let b = Self.chain([
            ("x", [1, 4, 4, 3], a[0].values),
            ("early_copy", [1, 8, 4, 4], Self.toNCHW(a[2].values, h: 4, w: 4, c: 8)),
            ("t1", [1, 4, 4, 8], a[1].values),
            ("t2", [1, 4, 4, 8], a[2].values),
            ("t3", [1, 2, 2, 8], a[3].values),
        ])
        XCTAssertEqual(pairs(match(a, b), a, b), ["input": "x", "conv": "t1", "relu": "t2", "pool": "t3"])
    }

    func testNearDuplicateLosesToTheExactCopy() {
        let a = Self.reference()
        let b = Self.chain([
            ("x", [1, 4, 4, 3], a[0].values),
            ("almost", [1, 4, 4, 8], a[1].values.map { $0 * 1.01 }),
            ("exact", [1, 4, 4, 8], a[1].values),
            ("t2", [1, 4, 4, 8], a[2].values),
            ("t3", [1, 2, 2, 8], a[3].values),
        ])
        let m = match(a, b)
        XCTAssertEqual(pairs(m, a, b)["conv"], "exact")
        XCTAssertNil(m.firstDivergent)
    }

    func testConverterNamesMatchAndFusedLayersAreNamed() {
        // tf2onnx-style names: model scope, Keras 3 counters, op suffixes, output indices; `conv` is
        // folded into `relu`'s node (both layers' weights are read there) and has no value of its own.
        let a = Self.reference()
        var b = Self.chain([
            ("input:0", [1, 4, 4, 3], a[0].values),
            ("model_1/relu_1/Relu:0", [1, 8, 4, 4], Self.toNCHW(a[2].values, h: 4, w: 4, c: 8)),
            ("model_1/pool_1/MaxPool2d__6:0", [1, 8, 2, 2], Self.toNCHW(a[3].values, h: 2, w: 2, c: 8)),
        ])
        b[1].constants = ["model_1/conv_1/convolution/ReadVariableOp:0", "model_1/relu_1/folded_scale:0"]
        let m = match(a, b, .names)
        XCTAssertEqual(pairs(m, a, b), ["input": "input:0", "relu": "model_1/relu_1/Relu:0", "pool": "model_1/pool_1/MaxPool2d__6:0"])
        XCTAssertTrue(m.matches.allSatisfy { $0.kind == .name && $0.agrees })
        XCTAssertEqual(m.unmatched.count, 1)
        XCTAssertEqual(m.unmatched.first?.reference, 1)
        XCTAssertEqual(m.unmatched.first?.reason, .fused(into: "model_1/relu_1/Relu:0"))
    }

    func testNameStrippingOfQuantizerSuffixes() {
        XCTAssertEqual(ActivationNames.normalized("conv1_out_DequantizeLinear_Output"), "conv1_out")
        XCTAssertEqual(ActivationNames.normalized("x_quantized"), "x")
        XCTAssertEqual(ActivationNames.normalized("model_1/conv1_1/BiasAdd__6:0"), "model_1/conv1_1/BiasAdd")
        XCTAssertEqual(ActivationNames.withoutCounter("conv1_1"), "conv1")
        XCTAssertNil(ActivationNames.withoutCounter("conv1__1"))
        XCTAssertNil(ActivationNames.withoutCounter("conv"))
        XCTAssertEqual(ActivationNames(["model_1/conv1_1/Relu"]).strength(against: ActivationNames(["conv1"])), 1)
        XCTAssertEqual(ActivationNames(["a_DequantizeLinear_Output"]).strength(against: ActivationNames(["a:0"])), 3)
        XCTAssertEqual(ActivationNames(["Conv__54:0"]).strength(against: ActivationNames(["Conv__60"])), 2)
        XCTAssertEqual(ActivationNames(["model_1/conv1_1/Relu"]).strength(against: ActivationNames(["conv2"])), 0)
    }

    func testNameMatchThatDisagreesNamesTheDivergence() {
        // The other model's `relu` went wrong: the name still pairs it, and it is the first divergence.
        let a = Self.reference()
        let b = Self.chain([
            ("input", [1, 4, 4, 3], a[0].values),
            ("conv", [1, 4, 4, 8], a[1].values),
            ("relu", [1, 4, 4, 8], a[2].values.map { $0 + 0.3 }),
            ("pool", [1, 2, 2, 8], a[3].values.map { -$0 }),
        ])
        let m = match(a, b)
        XCTAssertEqual(m.matches.map(\.kind), [.name, .name, .name, .name])
        XCTAssertEqual(m.firstDivergent.map { a[$0.reference].name }, "relu")
    }

    func testNearMatchesLocateADivergenceWithoutNames() {
        // Values only: from `relu` on nothing agrees; the closest activations of the right size and
        // position still pair them, so the first divergence is `relu`.
        let a = Self.reference()
        let b = Self.chain([
            ("t0", [1, 4, 4, 3], a[0].values),
            ("t1", [1, 4, 4, 8], a[1].values),
            ("t2", [1, 4, 4, 8], a[2].values.enumerated().map { $0.offset == 0 ? $0.element + 2 : $0.element }),
            ("t3", [1, 2, 2, 8], a[3].values.map { $0 * 0.9 + 0.05 }),
        ])
        let m = match(a, b, .values)
        XCTAssertEqual(pairs(m, a, b), ["input": "t0", "conv": "t1", "relu": "t2", "pool": "t3"])
        XCTAssertEqual(m.matches.map(\.kind), [.value, .value, .near, .near])
        XCTAssertEqual(m.firstDivergent.map { a[$0.reference].name }, "relu")
    }

    func testApproximateCopiesMatchAtTheCosineThreshold() {
        // A copy rounded to 1/64 steps (like 8-bit quantization) and renamed: by value only under
        // the approximate tolerance, where it agrees.
        let a = Self.reference()
        let rounded = a.map { ComparedActivation(name: "q_" + $0.name, shape: $0.shape, values: $0.values.map { ($0 * 64).rounded() / 64 },
                                                 inputs: $0.inputs) }
        XCTAssertTrue(match(a, rounded, .values).matches.filter { $0.kind == .value }.isEmpty)
        let m = match(a, rounded, .values, tolerance: ComparisonTolerance(approximate: true))
        XCTAssertEqual(m.matches.map(\.kind), [.value, .value, .value, .value])
        XCTAssertNil(m.firstDivergent)
        XCTAssertTrue(m.matches.allSatisfy { ($0.difference?.sqnr ?? 0) > 30 && ($0.difference?.cosine ?? 0) >= 0.99 })
    }

    func testDifferenceNumbers() {
        let d = ActivationDifference.measure([3, 4], [3, 3], tolerance: .init())
        XCTAssertEqual(d.maxAbs, 1)
        XCTAssertEqual(d.maxRelative, 0.25)
        XCTAssertEqual(d.cosine, 21 / (5 * 18.0.squareRoot()), accuracy: 1e-12)
        XCTAssertEqual(d.sqnr, 10 * log10(25.0), accuracy: 1e-12)
        XCTAssertFalse(d.withinTolerance)
        let same = ActivationDifference.measure([1, -2], [1, -2], tolerance: .init())
        XCTAssertEqual(same.sqnr, .infinity)
        XCTAssertTrue(same.withinTolerance)
    }

    func testLayoutTransforms() {
        // [1, 2, 3, 2] NHWC ↔ [1, 2, 2, 3] NCHW.
        let nhwc = (0 ..< 12).map(Float.init)
        let nchw = Self.toNCHW(nhwc, h: 2, w: 3, c: 2)
        let transforms = LayoutTransform.candidates(from: [1, 2, 2, 3], to: [1, 2, 3, 2])
        XCTAssertEqual(transforms.first, .identity)
        XCTAssertTrue(transforms.contains { $0.apply(nchw) == nhwc })
        XCTAssertTrue(LayoutTransform.candidates(from: [1, 5], to: [1, 4]).isEmpty)
        XCTAssertEqual(LayoutTransform.candidates(from: [1, 32, 1, 1], to: [1, 32]), [.identity])
    }
}
