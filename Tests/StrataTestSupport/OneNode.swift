import StrataCore
import StrataEngine

/// Runs one node on its own: the node's kernel built through `KernelRegistry`, as the engine builds it,
/// and run on the given inputs. Input `i` is named `in<i>` (an absent optional input, nil, has the
/// empty name) and output `k` `out<k>`.
public enum OneNode {
    /// The node `op` with `inputs.count` inputs (nil entries absent) and `outputs` outputs.
    public static func node(_ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], opset: Int = 21,
                            outputs: Int = 1, name: String = "n") -> Node {
        Node(name: name, opType: op, opset: opset, inputs: inputs.indices.map { inputs[$0] == nil ? "" : "in\($0)" },
             outputs: (0..<outputs).map { "out\($0)" }, attributes: attributes)
    }

    /// The kernel of `node`; with `constantInputs` the factory sees every input's value as a constant
    /// (as for initializers), else only their types.
    public static func kernel(_ node: Node, _ inputs: [Tensor?], constantInputs: Bool = false) throws -> any Kernel {
        guard let factory = KernelRegistry.factory(for: node) else { throw StrataError(.unsupported, "no kernel for \(node.opType)") }
        return try factory(KernelBuildContext(node: node, inputTypes: inputs.map { $0?.type },
                                              constants: constantInputs ? inputs : inputs.map { _ in nil }))
    }

    /// An ONNX model of the one node `op` (named `n`, latest opset) from graph input `x` of `inputType` to
    /// graph output `y` (float32, shape unknown), for tests of what reads, writes or plans whole models.
    public static func model(_ op: String, inputType: ValueType, attributes: [String: Attribute] = [:], path: String = "") -> Model {
        let graph = Graph(name: "g", nodes: [Node(name: "n", opType: op, inputs: ["x"], outputs: ["y"], attributes: attributes)],
                          inputs: [ValueInfo(name: "x", type: inputType)], outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil))])
        return Model(graph: graph, format: .onnx, path: path, layout: .nchw)
    }

    /// Builds `op`'s kernel and runs it on `inputs` with `threads` threads.
    public static func run(_ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], opset: Int = 21,
                           outputs: Int = 1, threads: Int = 2, constantInputs: Bool = false, name: String = "n") throws -> [Tensor] {
        let node = node(op, inputs, attributes: attributes, opset: opset, outputs: outputs, name: name)
        return try kernel(node, inputs, constantInputs: constantInputs).run(inputs, context: ExecutionContext(threads: threads))
    }
}
