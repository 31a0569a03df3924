import StrataCore
import XCTest
@testable import StrataCommands

/// `strata cam --layer auto` on a vision transformer: the first LayerNormalization of the last
/// attention block, not the patch embedding's spatial map nor the blocks after the last attention.
final class CAMLayerSearchTests: XCTestCase {
    /// x [1, 3, 8, 2·patches] → 4×4 patch Conv → 4 tokens of width 4 → class token → `blocks` pre-norm
    /// attention blocks (`ln1_<b>` → Q·Kᵀ → Softmax → ·V → residual → `ln2_<b>` → MatMul → residual)
    /// → final LayerNormalization → class token → Gemm.
    /// With `writtenOut`, each `ln1_<b>` is written out as exports below opset 17 do:
    /// `(h − mean) / √(var + ε) · γ + β`, the last node (`ln1_<b>/Add_1`) holding its value.
    private static func vit(blocks: Int, patches: Int = 4, writtenOut: Bool = false) -> Model {
        let width = 4
        let initializers: [String: Tensor] = [
            "patch_w": Tensor([Float](repeating: 0.1, count: width * 3 * 16), shape: [width, 3, 4, 4]),
            "to_tokens": Tensor([1, Int64(width), Int64(patches)], shape: [3]),
            "cls": Tensor([Float](repeating: 0, count: width), shape: [1, 1, width]),
            "gamma": Tensor([Float](repeating: 1, count: width), shape: [width]),
            "w": Tensor([Float](repeating: 0.1, count: width * width), shape: [width, width]),
            "zero": Tensor([0] as [Int64], shape: []),
            "last_axis": Tensor([-1] as [Int64], shape: [1]),
            "epsilon": Tensor([1e-5] as [Float], shape: []),
            "beta": Tensor([Float](repeating: 0, count: width), shape: [width]),
            "head_w": Tensor([Float](repeating: 0.1, count: 3 * width), shape: [3, width]),
        ]
        var nodes = [
            Node(name: "patch", opType: "Conv", inputs: ["x", "patch_w"], outputs: ["p"], attributes: ["strides": .ints([4, 4])]),
            Node(name: "flatten", opType: "Reshape", inputs: ["p", "to_tokens"], outputs: ["pf"]),
            Node(name: "to_tokens", opType: "Transpose", inputs: ["pf"], outputs: ["pt"], attributes: ["perm": .ints([0, 2, 1])]),
            Node(name: "with_cls", opType: "Concat", inputs: ["cls", "pt"], outputs: ["h0"], attributes: ["axis": .int(1)]),
        ]
        for b in 0 ..< blocks {
            let h = "h\(b)", n = "b\(b)_"
            if writtenOut {
                let l = "ln1_\(b)/"
                nodes += [
                    Node(name: l + "ReduceMean", opType: "ReduceMean", inputs: [h, "last_axis"], outputs: [l + "mean"]),
                    Node(name: l + "Sub", opType: "Sub", inputs: [h, l + "mean"], outputs: [l + "centered"]),
                    Node(name: l + "Square", opType: "Mul", inputs: [l + "centered", l + "centered"], outputs: [l + "squares"]),
                    Node(name: l + "ReduceMean_1", opType: "ReduceMean", inputs: [l + "squares", "last_axis"], outputs: [l + "var"]),
                    Node(name: l + "Add", opType: "Add", inputs: [l + "var", "epsilon"], outputs: [l + "shifted"]),
                    Node(name: l + "Sqrt", opType: "Sqrt", inputs: [l + "shifted"], outputs: [l + "std"]),
                    Node(name: l + "Div", opType: "Div", inputs: [l + "centered", l + "std"], outputs: [l + "normalized"]),
                    Node(name: l + "Mul", opType: "Mul", inputs: [l + "normalized", "gamma"], outputs: [l + "scaled"]),
                    Node(name: l + "Add_1", opType: "Add", inputs: [l + "scaled", "beta"], outputs: [n + "ln1"]),
                ]
            } else {
                nodes.append(Node(name: "ln1_\(b)", opType: "LayerNormalization", inputs: [h, "gamma"], outputs: [n + "ln1"],
                                  attributes: ["axis": .int(-1)]))
            }
            nodes += [
                Node(name: n + "q", opType: "MatMul", inputs: [n + "ln1", "w"], outputs: [n + "q"]),
                Node(name: n + "kt", opType: "Transpose", inputs: [n + "ln1"], outputs: [n + "kt"], attributes: ["perm": .ints([0, 2, 1])]),
                Node(name: n + "scores", opType: "MatMul", inputs: [n + "q", n + "kt"], outputs: [n + "s"]),
                Node(name: n + "softmax", opType: "Softmax", inputs: [n + "s"], outputs: [n + "a"], attributes: ["axis": .int(-1)]),
                Node(name: n + "mix", opType: "MatMul", inputs: [n + "a", n + "ln1"], outputs: [n + "m"]),
                Node(name: n + "res1", opType: "Add", inputs: [h, n + "m"], outputs: [n + "r"]),
                Node(name: "ln2_\(b)", opType: "LayerNormalization", inputs: [n + "r", "gamma"], outputs: [n + "ln2"], attributes: ["axis": .int(-1)]),
                Node(name: n + "mlp", opType: "MatMul", inputs: [n + "ln2", "w"], outputs: [n + "f"]),
                Node(name: n + "res2", opType: "Add", inputs: [n + "r", n + "f"], outputs: ["h\(b + 1)"]),
            ]
        }
        nodes += [
            Node(name: "ln_final", opType: "LayerNormalization", inputs: ["h\(blocks)", "gamma"], outputs: ["hf"], attributes: ["axis": .int(-1)]),
            Node(name: "class_token", opType: "Gather", inputs: ["hf", "zero"], outputs: ["c"], attributes: ["axis": .int(1)]),
            Node(name: "head", opType: "Gemm", inputs: ["c", "head_w"], outputs: ["logits"], attributes: ["transB": .int(1)]),
        ]
        let graph = Graph(name: "vit", nodes: nodes,
                          inputs: [ValueInfo(name: "x", type: ValueType(.float32, [1, 3, 8, .known(4 * patches / 2)]))],
                          outputs: [ValueInfo(name: "logits", type: ValueType(.float32, nil))], initializers: initializers)
        return Model(graph: graph, format: .onnx, path: "", layout: .nchw)
    }

    func testVisionTransformerGetsTheLastBlocksFirstNormalization() throws {
        for blocks in [1, 3] {
            let found = try CAMLayerSearch.find(in: Self.vit(blocks: blocks))
            XCTAssertEqual(found.row.layer, "ln1_\(blocks - 1)")
            XCTAssertTrue(found.reason.contains("ViT recipe"), found.reason)
            XCTAssertEqual(try CAMLayerSearch.find(in: Self.vit(blocks: blocks, writtenOut: true)).row.layer, "ln1_\(blocks - 1)/Add_1")
        }
    }

    /// 6 patches (7 tokens) form no square grid: the rule does not apply and the patch embedding's map is taken.
    func testTokensWithoutASquareGridFallBackToTheSpatialMap() throws {
        let found = try CAMLayerSearch.find(in: Self.vit(blocks: 2, patches: 6))
        XCTAssertEqual(found.row.layer, "patch")
    }
}
