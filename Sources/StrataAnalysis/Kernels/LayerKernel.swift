import StrataCore

/// A layer's learned kernel, found in the graph, as `strata filters` shows it.
public struct LayerKernel: Sendable {
    public enum Kind: String, Sendable {
        /// `Conv`: weight `[O, I/group, k…]`.
        case convolution
        /// `ConvTranspose`: weight `[I, O/group, k…]`.
        case transposedConvolution
        /// `Gemm` or `MatMul` with a constant weight: `[in, out]` (a `Gemm` with `transB` is transposed here).
        case dense
    }

    /// The capture-table layer asked for.
    public let layer: String
    /// The node that reads the kernel.
    public let node: String
    public let opType: String
    public let kind: Kind
    /// The kernel as float32, in the layout `kind` names.
    public let weight: Tensor
    /// `group` of a (transposed) convolution; 1 for dense kernels.
    public let group: Int
    /// Whether the node's data input is a graph input, reached through layout, cast and padding ops
    /// and elementwise arithmetic with constants (`Transpose`, `Identity`, `Cast`, `Reshape`, `Pad`,
    /// `Mul`/`Add`/`Sub`/`Div` by a constant) only: then a convolution sees the image, and `I == 3`
    /// means its colours, in the channel order the model reads.
    public let readsGraphInput: Bool

    /// Output channels (units for a dense kernel).
    public var outputChannels: Int {
        switch kind {
        case .convolution: return weight.shape[0]
        case .transposedConvolution: return weight.shape[1] * group
        case .dense: return weight.shape[1]
        }
    }

    /// Input channels each output channel reads (`in` for a dense kernel).
    public var inputChannelsPerGroup: Int {
        switch kind {
        case .convolution: return weight.shape[1]
        case .transposedConvolution: return weight.shape[0] / group
        case .dense: return weight.shape[0]
        }
    }

    /// The kernel's spatial size (`[kh, kw]`, `[k]`); `[]` for a dense kernel.
    public var spatialShape: [Int] { kind == .dense ? [] : Array(weight.shape.dropFirst(2)) }

    /// The kernels of `layer`, a layer of `graph`'s capture table: for Keras models (whose nodes keep
    /// the layer as their source name) the `Conv`, `ConvTranspose`, `Gemm` and `MatMul` nodes the layer
    /// lowered to, e.g. a separable convolution's depthwise then pointwise kernel; for ONNX models the
    /// node named `layer`. A kernel read by several calls of a layer is listed once. Errors when the
    /// layer is unknown, has no such node, or its weight is not constant (see `GraphConstants`). A Keras
    /// `BatchNormalization` has no kernel of its own, though the importer may fold it into a copy of the
    /// convolution before it.
    public static func find(layer: String, in graph: Graph) throws -> [LayerKernel] {
        let place = ErrorLocation(node: layer)
        guard let row = graph.captureTable.first(where: { $0.layer == layer }) else {
            throw StrataError(.invalidInput, "no layer of the model has this name", at: place)
        }
        if !graph.layers.isEmpty, row.op.hasSuffix("BatchNormalization") {
            throw StrataError(.invalidInput, "has no convolution or dense kernel (\(row.op) has none of its own)", at: place)
        }
        let byLayer = graph.layers.isEmpty
            ? graph.nodes.filter { $0.name == layer }
            : graph.nodes.filter { $0.source?.name == layer }
        let constants = GraphConstants(graph)
        var kernels: [LayerKernel] = []
        var weights: Set<String> = []
        for node in byLayer where ["Conv", "ConvTranspose", "Gemm", "MatMul"].contains(node.opType) {
            guard let weightName = node.input(1), weights.insert(weightName).inserted else { continue }
            if node.opType == "MatMul", try constants.floats(weightName) == nil { continue }
            kernels.append(try kernel(of: node, weight: weightName, layer: layer, constants: constants))
        }
        guard !kernels.isEmpty else {
            let ops = Set(byLayer.map(\.opType)).sorted().joined(separator: ", ")
            throw StrataError(.invalidInput, "has no convolution or dense kernel" + (ops.isEmpty ? "" : " (its ops: \(ops))"), at: place)
        }
        return kernels
    }

    private static func kernel(of node: Node, weight name: String, layer: String, constants: GraphConstants) throws -> LayerKernel {
        guard var w = try constants.floats(name) else {
            throw node.error("the weight '\(name)' is not a constant kernel (an initializer, possibly behind Identity, Cast, Transpose or DequantizeLinear)",
                             kind: .unsupported)
        }
        let kind: Kind
        var group = 1
        switch node.opType {
        case "Conv", "ConvTranspose":
            kind = node.opType == "Conv" ? .convolution : .transposedConvolution
            group = node.opType == "Conv" ? try node.typed(ConvAttributes.self).group : try node.typed(ConvTransposeAttributes.self).group
            // Conv's output channels and ConvTranspose's input channels are both axis 0, split by group.
            guard w.rank >= 3, group >= 1, w.shape[0] % group == 0 else {
                throw node.error("weight of shape \(w.shape) does not fit group \(group)")
            }
        default:
            kind = .dense
            guard w.rank == 2 else { throw node.error("the weight of shape \(w.shape) is not a matrix", kind: .unsupported) }
            if node.opType == "Gemm", try node.typed(GemmAttributes.self).transB {
                w = try w.permuted([1, 0])
            }
        }
        return LayerKernel(layer: layer, node: node.name, opType: node.opType, kind: kind, weight: w, group: group,
                           readsGraphInput: readsGraphInput(node, constants))
    }

    private static func readsGraphInput(_ node: Node, _ constants: GraphConstants) -> Bool {
        let inputs = Set(constants.graph.runtimeInputs.map(\.name))
        guard var value = node.input(0) else { return false }
        for _ in 0 ... constants.graph.nodes.count {
            if inputs.contains(value) { return true }
            guard let producer = constants.producer(of: value) else { return false }
            switch producer.opType {
            case "Transpose", "Identity", "Cast", "Reshape", "Pad":
                guard let x = producer.input(0) else { return false }
                value = x
            case "Mul", "Add", "Sub", "Div":
                let operands = producer.inputs.filter { !$0.isEmpty }
                let variable = operands.filter { ((try? constants.floats($0)) ?? nil) == nil }
                guard operands.count == 2, variable.count == 1 else { return false }
                value = variable[0]
            default:
                return false
            }
        }
        return false
    }
}
