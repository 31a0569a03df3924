import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// Random attributes, shapes and integer inputs (extremes included) through every shape kernel
/// and type rule: each either runs or throws a `StrataError` located at the node; none traps.
final class ShapeFuzzTests: XCTestCase {
    typealias H = ShapeHarness
    func testRandomNodesRunOrThrowLocatedErrors() {
        var rng = SeededGenerator(seed: 99)
        let ops: [(String, Int, Int)] = [("Reshape", 2, 1), ("Flatten", 1, 1), ("Squeeze", 2, 1), ("Unsqueeze", 2, 1), ("Transpose", 1, 1),
            ("Concat", 2, 1), ("Split", 2, 2), ("Slice", 5, 1), ("Gather", 2, 1), ("GatherElements", 2, 1), ("GatherND", 2, 1),
            ("ScatterND", 3, 1), ("ScatterElements", 3, 1), ("Shape", 1, 1), ("Size", 1, 1), ("ConstantOfShape", 1, 1),
            ("Expand", 2, 1), ("Tile", 2, 1), ("Pad", 4, 1), ("Resize", 4, 1), ("DepthToSpace", 1, 1), ("SpaceToDepth", 1, 1),
            ("Range", 3, 1), ("Trilu", 2, 1), ("NonZero", 1, 1), ("Compress", 2, 1), ("OneHot", 3, 1), ("EyeLike", 1, 1),
            ("CenterCropPad", 2, 1), ("ReverseSequence", 2, 1), ("GridSample", 2, 1)]
        let extremes = [Int(Int64.max), Int(Int64.min), 1 << 40, -(1 << 40), 0, -1, 1, 2, 3, -2, 7]
        func intTensor() -> Tensor {
            let n = rng.int(0...4)
            let vals = (0..<n).map { _ in rng.int(0...3) == 0 ? extremes[rng.int(0...(extremes.count - 1))] : rng.int(-4...4) }
            return rng.int(0...5) == 0 ? .scalar(Int64(vals.first ?? 0)) : Tensor(vals.map { Int64($0) }, shape: [n])
        }
        var thrown = 0, ok = 0
        for trial in 0..<20000 {
            let (op, nin, nout) = ops[trial % ops.count]
            let rank = rng.int(0...4)
            let shape = (0..<rank).map { _ in rng.int(0...4) }
            let x = rng.tensor(shape)
            var inputs: [Tensor?] = [x]
            for k in 1..<max(nin, 1) {
                switch rng.int(0...5) {
                case 0: inputs.append(nil)
                case 1: inputs.append(rng.tensor((0..<rng.int(0...4)).map { _ in rng.int(0...4) }))
                default: inputs.append(k == 1 && op == "ScatterND" ? Tensor([Int64(rng.int(-3...3))], shape: [1, 1]) : intTensor())
                }
            }
            if nin == 1 { inputs = [x] }
            var attrs: [String: Attribute] = [:]
            for name in ["axis", "blocksize", "k", "batch_dims", "start", "end", "upper", "time_axis", "batch_axis", "num_outputs", "allowzero"] where rng.int(0...3) == 0 {
                attrs[name] = .int(rng.int(0...3) == 0 ? extremes[rng.int(0...(extremes.count - 1))] : rng.int(-3...3))
            }
            if rng.int(0...3) == 0 { attrs["perm"] = .ints((0..<rng.int(0...4)).map { _ in rng.int(-2...4) }) }
            if rng.int(0...3) == 0 { attrs["axes"] = .ints((0..<rng.int(0...3)).map { _ in rng.int(-4...4) }) }
            if rng.int(0...3) == 0 { attrs["mode"] = .string(["nearest", "linear", "cubic", "reflect", "edge", "wrap", "constant", "DCR", "CRD"][rng.int(0...8)]) }
            let opset = [9, 11, 13, 18, 21][rng.int(0...4)]
            do {
                _ = try H.run(op, inputs, attributes: attrs, opset: opset, outputs: nout)
                ok += 1
            } catch let error as StrataError {
                XCTAssertEqual(error.location.node, "n", "\(op): \(error)")
                thrown += 1
            } catch {
                XCTFail("\(op) threw a non-Strata error: \(error)")
            }
            var initializers: [String: Tensor] = [:]
            var names: [String] = []
            for (k, t) in inputs.enumerated() {
                if let t { initializers["i\(k)"] = t; names.append("i\(k)") } else { names.append("") }
            }
            var typeOnly = [ValueInfo(name: "sym", type: ValueType(.float32, shape.map { _ in rng.int(0...1) == 0 ? Dim.symbol("N") : Dim.known(rng.int(0...4)) }))]
            if rng.int(0...1) == 0, !names.isEmpty { names[0] = "sym" } else { typeOnly = [] }
            let node = Node(name: "n", opType: op, opset: opset, inputs: names, outputs: (0..<nout).map { "o\($0)" }, attributes: attrs)
            _ = Graph(nodes: [node], inputs: typeOnly, initializers: initializers).inferTypes()
        }
        // Both outcomes occur, so the generator reaches past argument checking.
        XCTAssertGreaterThan(ok, 1000)
        XCTAssertGreaterThan(thrown, 1000)
    }
}
