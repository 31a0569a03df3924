import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// Every backward rule against central finite differences of its forward kernel
/// (`GradientCheck`), and the completeness of the backward table.
final class GradientRuleTests: XCTestCase {
    typealias Case = GradientCheck.Case

    static func cases() -> [Case] {
        var rng = SeededGenerator(seed: 12)
        func r(_ shape: [Int], _ range: ClosedRange<Float> = -2...2) -> Tensor { GradientCheck.random(shape, in: range, &rng) }
        let ints = GradientCheck.ints
        var cases: [Case] = []
        for op in ["Add", "Sub", "Mul", "Div", "Pow", "Min", "Max"] {
            let positive = op == "Pow" || op == "Div"
            cases.append(Case(op: op, inputs: [r([2, 3, 4], positive ? 0.5...2 : -2...2), r([3, 1], positive ? 0.5...2 : -2...2)],
                              wrt: [0, 1], label: "broadcast"))
        }
        cases.append(Case(op: "Sum", inputs: [r([2, 3]), r([3]), r([2, 1])], wrt: [0, 1, 2]))
        cases.append(Case(op: "Mean", inputs: [r([2, 3]), r([3]), r([2, 1])], wrt: [0, 1, 2]))
        cases.append(Case(op: "Max", inputs: [r([2, 3]), r([3]), r([2, 1])], wrt: [0, 1, 2], label: "three inputs"))
        cases.append(Case(op: "Pow", inputs: [r([2, 5], 0.5...2), Tensor([Float(3)], shape: [])], wrt: [0], label: "cube"))
        let unary: [(String, ClosedRange<Float>, [String: Attribute])] = [
            ("Sqrt", 0.5...3, [:]), ("Exp", -2...2, [:]), ("Log", 0.5...3, [:]), ("Abs", -2...2, [:]), ("Neg", -2...2, [:]),
            ("Reciprocal", 0.5...3, [:]), ("Erf", -2...2, [:]), ("Sin", -2...2, [:]), ("Cos", -2...2, [:]), ("Tanh", -2...2, [:]),
            ("Relu", -2...2, [:]), ("LeakyRelu", -2...2, ["alpha": .float(0.2)]), ("Elu", -2...2, ["alpha": .float(0.7)]),
            ("Selu", -2...2, [:]), ("Celu", -2...2, ["alpha": .float(1.3)]), ("Sigmoid", -3...3, [:]),
            ("HardSigmoid", -4...4, [:]), ("HardSwish", -4...4, [:]), ("Softplus", -3...3, [:]), ("Softsign", -3...3, [:]),
            ("Gelu", -3...3, [:]), ("Gelu", -3...3, ["approximate": .string("tanh")]), ("Mish", -3...3, [:]),
        ]
        for (op, range, attributes) in unary {
            cases.append(Case(op: op, inputs: [r([3, 7], range)], attributes: attributes, label: attributes.isEmpty ? "" : "\(attributes)"))
        }
        cases.append(Case(op: "PRelu", inputs: [r([2, 3, 2, 2]), r([3, 1, 1])], wrt: [0, 1]))
        cases.append(Case(op: "PRelu", inputs: [r([2, 3, 4]), r([3])], wrt: [0, 1], label: "per channel, opset 6 form"))
        cases.append(Case(op: "Where", inputs: [Tensor([true, false, true], shape: [3]), r([2, 3]), r([2, 1])], wrt: [1, 2]))
        cases.append(Case(op: "Clip", inputs: [r([4, 5]), Tensor([Float(-0.5)], shape: []), Tensor([Float(1)], shape: [])]))
        cases.append(Case(op: "Clip", inputs: [r([4, 5])], attributes: ["min": .float(-1), "max": .float(0.5)], opset: 6, label: "opset 6"))
        cases.append(Case(op: "Cast", inputs: [r([2, 3])], attributes: ["to": .int(1)], precision: .float))
        cases.append(Case(op: "CastLike", inputs: [r([2, 3]), r([1])]))
        cases.append(Case(op: "Identity", inputs: [r([2, 3])]))
        cases.append(Case(op: "Dropout", inputs: [r([2, 3])], outputs: 2))

        for op in ["ReduceSum", "ReduceMean", "ReduceMax"] {
            cases.append(Case(op: op, inputs: [r([2, 3, 4]), ints([1, -1])], attributes: ["keepdims": .int(0)]))
            cases.append(Case(op: op, inputs: [r([2, 3, 4])], label: "all axes"))
        }
        cases.append(Case(op: "ReduceMax", inputs: [Tensor([Float(1), 3, 3, 2, 0, 0], shape: [2, 3]), ints([1])], label: "ties"))
        for op in ["Softmax", "LogSoftmax"] {
            cases.append(Case(op: op, inputs: [r([2, 3, 4])], attributes: ["axis": .int(1)]))
            cases.append(Case(op: op, inputs: [r([2, 3, 4])], attributes: ["axis": .int(1)], opset: 11, label: "opset 11"))
        }

        // Conv: plain, strided with asymmetric pads, dilated, grouped, depthwise with a multiplier, 1-D, 3-D, SAME padding, pointwise.
        let conv: [(String, [Int], [Int], [String: Attribute])] = [
            ("3x3", [2, 3, 6, 5], [4, 3, 3, 3], ["pads": .ints([1, 1, 1, 1])]),
            ("strided", [1, 2, 7, 6], [3, 2, 3, 2], ["strides": .ints([2, 2]), "pads": .ints([1, 0, 2, 1])]),
            ("dilated", [1, 2, 7, 7], [2, 2, 3, 3], ["dilations": .ints([2, 2]), "pads": .ints([2, 2, 2, 2])]),
            ("groups", [1, 4, 5, 5], [6, 2, 3, 3], ["group": .int(2), "pads": .ints([1, 1, 1, 1])]),
            ("depthwise", [2, 3, 6, 6], [6, 1, 3, 3], ["group": .int(3), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
            ("depthwise dilated", [1, 4, 7, 6], [4, 1, 3, 2], ["group": .int(4), "dilations": .ints([2, 1]), "pads": .ints([2, 0, 1, 1])]),
            ("depthwise 1-D", [1, 3, 9], [3, 1, 3], ["group": .int(3), "strides": .ints([2]), "pads": .ints([1, 1])]),
            ("1-D", [2, 3, 9], [2, 3, 4], ["strides": .ints([2]), "pads": .ints([1, 2])]),
            ("3-D", [1, 2, 4, 4, 3], [2, 2, 2, 3, 2], ["pads": .ints([1, 0, 1, 0, 1, 0])]),
            ("SAME_UPPER", [1, 2, 6, 5], [3, 2, 3, 3], ["auto_pad": .string("SAME_UPPER"), "strides": .ints([2, 2])]),
            ("pointwise", [2, 5, 3, 3], [4, 5, 1, 1], [:]),
        ]
        for (label, x, w, attributes) in conv {
            cases.append(Case(op: "Conv", inputs: [r(x), r(w), r([w[0]])], attributes: attributes, wrt: [0, 1, 2],
                              precision: .float, label: label))
        }
        // (label, X, W, groups, attributes); the output has W[1]·groups channels.
        let transposed: [(String, [Int], [Int], Int, [String: Attribute])] = [
            ("strided", [2, 4, 3, 4], [4, 3, 3, 3], 1, ["strides": .ints([2, 2]), "pads": .ints([1, 0, 1, 1]), "output_padding": .ints([1, 0])]),
            ("groups, dilated", [1, 4, 4, 3], [4, 2, 2, 3], 2, ["group": .int(2), "dilations": .ints([2, 1])]),
            ("1-D", [2, 3, 5], [3, 2, 4], 1, ["strides": .ints([3])]),
        ]
        for (label, x, w, groups, attributes) in transposed {
            cases.append(Case(op: "ConvTranspose", inputs: [r(x), r(w), r([w[1] * groups])], attributes: attributes, wrt: [0, 1, 2],
                              precision: .float, label: label))
        }
        cases.append(Case(op: "Gemm", inputs: [r([3, 4]), r([4, 5]), r([5])], wrt: [0, 1, 2]))
        cases.append(Case(op: "Gemm", inputs: [r([4, 3]), r([5, 4]), r([3, 1])],
                          attributes: ["transA": .int(1), "transB": .int(1), "alpha": .float(0.5), "beta": .float(2)],
                          wrt: [0, 1, 2], label: "transposed"))
        cases.append(Case(op: "Gemm", inputs: [r([1, 4]), r([5, 4]), r([5])], attributes: ["transB": .int(1)], wrt: [0, 1, 2], label: "row"))
        cases.append(Case(op: "MatMul", inputs: [r([2, 1, 3, 4]), r([3, 4, 2])], wrt: [0, 1], label: "batched broadcast"))
        cases.append(Case(op: "MatMul", inputs: [r([4]), r([2, 4, 3])], wrt: [0, 1], label: "1-D A"))
        cases.append(Case(op: "MatMul", inputs: [r([2, 3, 4]), r([4])], wrt: [0, 1], label: "1-D B"))
        cases.append(Case(op: "MatMul", inputs: [r([3, 4]), r([4, 5])], wrt: [0, 1], label: "matrices"))
        // Einsum: products, batches, ellipsis broadcasting, diagonals, traces, sums, labels of one operand, size-1 broadcasting.
        let einsum: [(String, [[Int]])] = [
            ("ij,jk->ik", [[3, 4], [4, 5]]), ("bij,bjk->bik", [[2, 3, 4], [2, 4, 2]]),
            ("...ij,...jk->...ik", [[2, 1, 3, 4], [3, 4, 2]]), ("bhqd,bhkd->bhqk", [[1, 2, 3, 4], [1, 2, 5, 4]]),
            ("ii->i", [[4, 4]]), ("ii", [[3, 3]]), ("ij->", [[3, 4]]), ("ij->j", [[3, 4]]), ("i,j->ij", [[3], [4]]),
            ("iij,j->i", [[3, 3, 2], [2]]), ("ij,jk,kl->il", [[2, 3], [3, 4], [4, 2]]), ("ij,jk->i", [[2, 3], [3, 4]]),
            ("ij,ij->ij", [[2, 3], [1, 3]]), ("ij,k->ik", [[2, 3], [4]]), ("ji", [[3, 4]]),
        ]
        for (equation, shapes) in einsum {
            cases.append(Case(op: "Einsum", inputs: shapes.map { r($0) }, attributes: ["equation": .string(equation)],
                              wrt: Array(shapes.indices), label: equation))
        }

        cases.append(Case(op: "MaxPool", inputs: [r([2, 2, 6, 7])], attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]),
                                                                             "pads": .ints([1, 1, 1, 1])]))
        cases.append(Case(op: "MaxPool", inputs: [r([1, 2, 7, 7])], attributes: ["kernel_shape": .ints([2, 2]), "dilations": .ints([2, 2]),
                                                                             "ceil_mode": .int(1)], label: "dilated, ceil"))
        cases.append(Case(op: "MaxPool", inputs: [r([1, 2, 9])], attributes: ["kernel_shape": .ints([3]), "strides": .ints([2])], label: "1-D"))
        cases.append(Case(op: "AveragePool", inputs: [r([2, 2, 6, 7])], attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]),
                                                                                 "pads": .ints([1, 1, 1, 1])]))
        cases.append(Case(op: "AveragePool", inputs: [r([1, 2, 5, 5])], attributes: ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1]),
                                                                                 "count_include_pad": .int(1)], label: "count_include_pad"))
        cases.append(Case(op: "AveragePool", inputs: [r([1, 2, 4, 4, 3])], attributes: ["kernel_shape": .ints([2, 2, 2])], label: "3-D"))
        cases.append(Case(op: "GlobalAveragePool", inputs: [r([2, 3, 4, 5])]))
        cases.append(Case(op: "GlobalMaxPool", inputs: [r([2, 3, 4, 5])]))
        cases.append(Case(op: "LayerNormalization", inputs: [r([2, 3, 5]), r([5]), r([5])], attributes: ["epsilon": .float(1e-3)],
                          wrt: [0, 1, 2]))
        cases.append(Case(op: "LayerNormalization", inputs: [r([2, 3, 4]), r([3, 4]), r([3, 4])], attributes: ["axis": .int(1)],
                          wrt: [0, 1, 2], label: "two axes"))
        cases.append(Case(op: "InstanceNormalization", inputs: [r([2, 3, 4, 2]), r([3]), r([3])], attributes: ["epsilon": .float(1e-3)],
                          wrt: [0, 1, 2]))
        cases.append(Case(op: "GroupNormalization", inputs: [r([2, 4, 3, 2]), r([4]), r([4])], attributes: ["num_groups": .int(2)],
                          wrt: [0, 1, 2]))
        cases.append(Case(op: "GroupNormalization", inputs: [r([2, 4, 3]), r([2]), r([2])], attributes: ["num_groups": .int(2)],
                          opset: 18, wrt: [0, 1, 2], label: "per-group scale"))
        cases.append(Case(op: "BatchNormalization", inputs: [r([2, 3, 4, 2]), r([3]), r([3]), r([3]), r([3], 0.5...2)],
                          attributes: ["epsilon": .float(1e-3)]))

        cases.append(Case(op: "Reshape", inputs: [r([2, 3, 4]), ints([4, -1])]))
        cases.append(Case(op: "Flatten", inputs: [r([2, 3, 4])], attributes: ["axis": .int(2)]))
        cases.append(Case(op: "Squeeze", inputs: [r([2, 1, 4]), ints([1])]))
        cases.append(Case(op: "Unsqueeze", inputs: [r([2, 4]), ints([0, 3])]))
        cases.append(Case(op: "Transpose", inputs: [r([2, 3, 4])], attributes: ["perm": .ints([2, 0, 1])]))
        cases.append(Case(op: "Concat", inputs: [r([2, 3, 2]), r([2, 1, 2]), r([2, 2, 2])], attributes: ["axis": .int(1)], wrt: [0, 1, 2]))
        cases.append(Case(op: "Split", inputs: [r([2, 6, 2]), ints([1, 3, 2])], attributes: ["axis": .int(1)], outputs: 3))
        cases.append(Case(op: "Slice", inputs: [r([4, 6, 3]), ints([1, 5]), ints([4, 0]), ints([0, 1]), ints([2, -2])]))
        cases.append(Case(op: "Gather", inputs: [r([3, 4, 2]), Tensor([Int64(2), 0, 2, -1], shape: [2, 2])], attributes: ["axis": .int(1)]))
        let floats = { (values: [Float]) in Tensor(values, shape: [values.count]) }
        cases.append(Case(op: "Resize", inputs: [r([1, 2, 3, 4]), nil, floats([1, 1, 2, 1.5])], attributes: ["mode": .string("nearest")],
                          label: "nearest"))
        cases.append(Case(op: "Resize", inputs: [r([1, 2, 3, 4]), nil, nil, ints([1, 2, 5, 7])],
                          attributes: ["mode": .string("linear"), "coordinate_transformation_mode": .string("half_pixel")],
                          precision: .float, label: "linear"))
        cases.append(Case(op: "Resize", inputs: [r([1, 2, 5, 6]), nil, nil, ints([1, 2, 3, 4])],
                          attributes: ["mode": .string("cubic"), "coordinate_transformation_mode": .string("align_corners")],
                          precision: .float, label: "cubic, shrinking"))
        cases.append(Case(op: "Upsample", inputs: [r([1, 2, 3, 3]), floats([1, 1, 2, 2])], attributes: ["mode": .string("linear")],
                          opset: 9, precision: .float, label: "opset 9"))
        cases.append(Case(op: "Expand", inputs: [r([3, 1]), ints([2, 3, 4])]))
        cases.append(Case(op: "Tile", inputs: [r([2, 3]), ints([2, 3])]))
        cases.append(Case(op: "Pad", inputs: [r([2, 3, 4]), ints([0, 1, 2, 0, 2, 1])], label: "constant"))
        cases.append(Case(op: "Pad", inputs: [r([2, 3, 4]), ints([0, 2, 1, 0, 2, 3])], attributes: ["mode": .string("reflect")], label: "reflect"))
        cases.append(Case(op: "Pad", inputs: [r([2, 3, 4]), ints([0, 2, 1, 0, 1, 3])], attributes: ["mode": .string("edge")], label: "edge"))
        cases += recurrentCases(seed: 12)
        return cases
    }

    func testEveryRuleMatchesFiniteDifferences() throws {
        for c in Self.cases() {
            XCTAssertNoThrow(try GradientCheck.check(c), "\(c.op) \(c.label)")
        }
    }

    /// Every op with a kernel has a backward rule (its kernel is a `DifferentiableKernel`, checked
    /// by a case above) or is listed in a family's exemption table with its reason.
    func testEveryOpHasARuleOrAReason() {
        let tested = Set(Self.cases().map(\.op))
        let exempt = KernelRegistry.withoutGradient
        let missing = KernelRegistry.factories.keys.filter { exempt[$0] == nil && !tested.contains($0) }.sorted()
        XCTAssertEqual(missing, [], "ops with neither a checked backward rule nor an exemption")
        let both = exempt.keys.filter { tested.contains($0) }.sorted()
        XCTAssertEqual(both, [], "exempt ops that also have checked rules")
        let unknown = exempt.keys.filter { KernelRegistry.factories[$0] == nil }.sorted()
        XCTAssertEqual(unknown, [], "exemptions for ops without a kernel")
        for (op, exemption) in exempt { XCTAssertFalse(exemption.reason.isEmpty, op) }
    }
}
