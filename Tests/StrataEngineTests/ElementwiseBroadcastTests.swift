import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// Binary and variadic ops over many broadcasting layouts against a naive index-by-index loop.
final class ElementwiseBroadcastTests: XCTestCase {
    typealias Support = ElementwiseTestSupport

    static let shapePairs: [([Int], [Int])] = [
        ([2, 3, 4], [2, 3, 4]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]), ([1], [2, 3]), ([], [2, 2]),
        ([2, 1, 4], [3, 1]), ([5, 1, 1], [1, 6, 1]), ([0, 3], [1, 3]), ([4, 1], [1]), ([2, 3, 1, 5], [3, 4, 1]),
        ([1, 1], [1, 1, 1]), ([3, 1, 2, 1], [1, 4, 1, 5]),
        // Large enough to be split over threads.
        ([64, 1024], [1024]), ([2, 64, 24, 24], [64, 1, 1]), ([300_000], []), ([2, 70_000], [2, 1]),
    ]

    /// The reference result of `f` over broadcast `a` and `b`, element by element.
    private func reference(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> (shape: [Int], values: [Float]) {
        let shape = Broadcasting.shape([a.shape, b.shape])!
        let x = a.floats(), y = b.floats()
        let values = (0..<shape.elementCount).map { i in
            f(x[Support.broadcastIndex(i, outShape: shape, inShape: a.shape)],
              y[Support.broadcastIndex(i, outShape: shape, inShape: b.shape)])
        }
        return (shape, values)
    }

    func testFloatArithmeticMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 1)
        let ops: [(String, (Float, Float) -> Float)] = [
            ("Add", +), ("Sub", -), ("Mul", *), ("Div", /), ("Pow", { Foundation.powf($0, $1) }),
            ("Min", { Swift.min($0, $1) }), ("Max", { Swift.max($0, $1) }),
        ]
        for (shapeA, shapeB) in Self.shapePairs {
            for (op, f) in ops {
                let a = Support.random(shapeA, in: op == "Pow" ? 0.1...3 : -3...3, &rng)
                let b = Support.random(shapeB, &rng)
                for (x, y) in [(a, b), (b, a)] {
                    if op == "Pow" && x.floats() != a.floats() { continue }
                    let out = try Support.run(op, [x, y])[0]
                    let expected = reference(x, y, f)
                    XCTAssertEqual(out.shape, expected.shape, "\(op) \(x.shape) \(y.shape)")
                    XCTAssertEqual(out.floats(), expected.values, "\(op) \(x.shape) \(y.shape)")
                }
            }
        }
    }

    func testComparisonsMatchNaiveLoop() throws {
        var rng = SeededGenerator(seed: 2)
        let ops: [(String, (Float, Float) -> Bool)] = [
            ("Equal", ==), ("Less", <), ("Greater", >), ("LessOrEqual", <=), ("GreaterOrEqual", >=),
        ]
        for (shapeA, shapeB) in Self.shapePairs.prefix(12) {
            // Few distinct values so that equality happens.
            let a = Tensor((0..<shapeA.elementCount).map { _ in Float(Int.random(in: 0...2, using: &rng)) }, shape: shapeA)
            let b = Tensor((0..<shapeB.elementCount).map { _ in Float(Int.random(in: 0...2, using: &rng)) }, shape: shapeB)
            for (op, f) in ops {
                let out = try Support.run(op, [a, b])[0]
                XCTAssertEqual(out.dtype, .bool)
                let expected = reference(a, b) { f($0, $1) ? 1 : 0 }
                XCTAssertEqual(out.shape, expected.shape)
                XCTAssertEqual(out.floats(), expected.values, op)
                let asInt = try Support.run(op, [a.converted(to: .int64), b.converted(to: .int64)])[0]
                XCTAssertEqual(asInt.floats(), expected.values, "\(op) int64")
            }
        }
    }

    func testIntegerArithmeticMatchesNaiveLoop() throws {
        var rng = SeededGenerator(seed: 3)
        for dtype in [DType.int64, .int32, .int8, .uint8, .uint16] {
            for (shapeA, shapeB) in Self.shapePairs.prefix(12) {
                let a = Tensor((0..<shapeA.elementCount).map { _ in Int64.random(in: -50...50, using: &rng) }, shape: shapeA)
                let b = Tensor((0..<shapeB.elementCount).map { _ in Int64.random(in: 1...9, using: &rng) }, shape: shapeB)
                let x = try a.converted(to: dtype), y = try b.converted(to: dtype)
                let ops: [(String, (Int64, Int64) -> Int64)] = [
                    ("Add", { $0 &+ $1 }), ("Sub", { $0 &- $1 }), ("Mul", { $0 &* $1 }), ("Div", { $0 / $1 }),
                    ("Max", { Swift.max($0, $1) }), ("Min", { Swift.min($0, $1) }),
                ]
                for (op, f) in ops {
                    let out = try Support.run(op, [x, y])[0]
                    XCTAssertEqual(out.dtype, dtype)
                    let xs = x.ints().map(Int64.init), ys = y.ints().map(Int64.init)
                    let expected = try (0..<out.count).map { i -> Int in
                        let r = f(xs[Support.broadcastIndex(i, outShape: out.shape, inShape: x.shape)],
                                  ys[Support.broadcastIndex(i, outShape: out.shape, inShape: y.shape)])
                        return try Tensor([r], shape: []).converted(to: dtype).ints()[0]
                    }
                    XCTAssertEqual(out.ints(), expected, "\(op) \(dtype) \(x.shape) \(y.shape)")
                }
            }
        }
    }

    func testIntegerModMatchesFloorAndTruncation() throws {
        var rng = SeededGenerator(seed: 8)
        for dtype in [DType.int64, .int32, .int8] {
            for (shapeA, shapeB) in Self.shapePairs.prefix(12) {
                let a = Tensor((0..<shapeA.elementCount).map { _ in Int64.random(in: -60...60, using: &rng) }, shape: shapeA)
                let b = Tensor((0..<shapeB.elementCount).map { _ in Int64.random(in: 1...9, using: &rng) * (Bool.random(using: &rng) ? 1 : -1) },
                               shape: shapeB)
                for fmod in [0, 1] {
                    let out = try Support.run("Mod", [a.converted(to: dtype), b.converted(to: dtype)], attributes: ["fmod": .int(fmod)])[0]
                    let expected = reference(a, b) { x, y in
                        let q = Double(x) / Double(y)
                        return Float(Double(x) - (fmod == 1 ? q.rounded(.towardZero) : q.rounded(.down)) * Double(y))
                    }
                    XCTAssertEqual(out.dtype, dtype)
                    XCTAssertEqual(out.floats(), expected.values, "Mod fmod=\(fmod) \(dtype) \(shapeA) \(shapeB)")
                }
            }
        }
        XCTAssertThrowsError(try Support.run("Mod", [Tensor([1] as [Int64], shape: [1]), Tensor([0] as [Int64], shape: [1])]))
        XCTAssertThrowsError(try Support.run("Mod", [Tensor([1] as [Int64], shape: [1]), Tensor([1] as [Int64], shape: [1])],
                                             attributes: ["fmod": .int(2)]))
    }

    func testVariadicOpsFoldAllInputs() throws {
        var rng = SeededGenerator(seed: 4)
        let a = Support.random([2, 3, 4], &rng), b = Support.random([3, 1], &rng), c = Support.random([4], &rng)
        let ab = reference(a, b, +)
        let abTensor = Tensor(ab.values, shape: ab.shape)
        let sum = reference(abTensor, c, +)
        XCTAssertEqual(try Support.run("Sum", [a, b, c])[0].floats(), sum.values)
        let mean = try Support.run("Mean", [a, b, c])[0]
        XCTAssertEqual(mean.shape, [2, 3, 4])
        for (m, s) in zip(mean.floats(), sum.values) { XCTAssertEqual(m, s / 3, accuracy: 1e-6) }
        let maxAB = reference(a, b) { Swift.max($0, $1) }
        let max = reference(Tensor(maxAB.values, shape: maxAB.shape), c) { Swift.max($0, $1) }
        XCTAssertEqual(try Support.run("Max", [a, b, c])[0].floats(), max.values)
        XCTAssertEqual(try Support.run("Min", [a])[0].floats(), a.floats())
    }

    func testLogicOpsBroadcast() throws {
        let a = Tensor([true, false, true, false], shape: [2, 2])
        let b = Tensor([true, false], shape: [2])
        let ops: [(String, (Bool, Bool) -> Bool)] = [("And", { $0 && $1 }), ("Or", { $0 || $1 }), ("Xor", { $0 != $1 })]
        for (op, f) in ops {
            let out = try Support.run(op, [a, b])[0]
            let expected = reference(a, b) { f($0 != 0, $1 != 0) ? 1 : 0 }
            XCTAssertEqual(out.floats(), expected.values, op)
        }
        XCTAssertEqual(try Support.run("Not", [a])[0].floats(), [0, 1, 0, 1])
        XCTAssertThrowsError(try Support.run("And", [a.converted(to: .float32), b]))
    }

    func testIncompatibleShapesThrow() {
        let a = Tensor([Float](repeating: 1, count: 6), shape: [2, 3])
        let b = Tensor([Float](repeating: 1, count: 4), shape: [4])
        XCTAssertThrowsError(try Support.run("Add", [a, b])) { error in
            XCTAssertEqual((error as? StrataError)?.message, "shapes [2, 3] and [4] cannot be broadcast together")
        }
        XCTAssertThrowsError(try Support.run("Add", [a, a.converted(to: .float64)])) { error in
            XCTAssertEqual((error as? StrataError)?.message, "inputs have different dtypes: float32 and float64")
        }
    }

    func testWhereBroadcastsThreeInputs() throws {
        var rng = SeededGenerator(seed: 5)
        let layouts: [([Int], [Int], [Int])] = [
            ([3, 1, 4], [2, 1], [3, 2, 4]), ([1, 1, 4, 4], [2, 3, 4, 4], []), ([2, 3], [2, 3], [2, 3]),
            ([5, 7], [], [5, 7]), ([2, 1, 3], [1, 4, 1], [4, 3]),
        ]
        for (cShape, xShape, yShape) in layouts {
            let condition = Tensor((0..<cShape.elementCount).map { _ in Bool.random(using: &rng) }, shape: cShape)
            let x = Support.random(xShape, &rng), y = Support.random(yShape, &rng)
            let out = try Support.run("Where", [condition, x, y])[0]
            XCTAssertEqual(out.shape, Broadcasting.shape([cShape, xShape, yShape]))
            let c = condition.floats(), xs = x.floats(), ys = y.floats()
            let expected = (0..<out.count).map { i in
                c[Support.broadcastIndex(i, outShape: out.shape, inShape: cShape)] != 0
                    ? xs[Support.broadcastIndex(i, outShape: out.shape, inShape: xShape)]
                    : ys[Support.broadcastIndex(i, outShape: out.shape, inShape: yShape)]
            }
            XCTAssertEqual(out.floats(), expected, "\(cShape) \(xShape) \(yShape)")
            let ints = try Support.run("Where", [condition, x.converted(to: .int64), y.converted(to: .int64)])[0]
            XCTAssertEqual(ints.dtype, .int64)
            XCTAssertEqual(ints.ints(), try out.converted(to: .int64).ints())
        }
    }

    func testPReluBroadcastsSlope() throws {
        var rng = SeededGenerator(seed: 6)
        let x = Support.random([2, 3, 4, 5], &rng)
        let slope = Support.random([3, 1, 1], &rng)
        let expected = reference(x, slope) { $0 < 0 ? $0 * $1 : $0 }
        XCTAssertEqual(try Support.run("PRelu", [x, slope])[0].floats(), expected.values)
        // A 1-D per-channel slope (opset 6 models) is applied along dimension 1.
        XCTAssertEqual(try Support.run("PRelu", [x, slope.reshaped([3])], opset: 7)[0].floats(), expected.values)
        XCTAssertThrowsError(try Support.run("PRelu", [slope, x]))
    }

    func testHalfPrecisionComputesInFloat() throws {
        var rng = SeededGenerator(seed: 7)
        let a = try Support.random([3, 4], &rng).converted(to: .float16)
        let b = try Support.random([4], &rng).converted(to: .float16)
        let out = try Support.run("Mul", [a, b])[0]
        XCTAssertEqual(out.dtype, .float16)
        let expected = reference(try a.converted(to: .float32), try b.converted(to: .float32), *)
        XCTAssertEqual(out.floats(), try Tensor(expected.values, shape: expected.shape).converted(to: .float16).floats())
    }
}
