import StrataCore

/// The values of a graph that are known without running it: initializers, and what a short chain of
/// `Constant`, `Identity`, `Cast` (to a float type), `Transpose` and `DequantizeLinear` (per tensor or
/// per axis) makes of them. Anything else is not constant here.
struct GraphConstants {
    let graph: Graph
    private let producers: [String: Int]

    init(_ graph: Graph) {
        self.graph = graph
        var producers: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() {
            for out in node.outputs where !out.isEmpty { producers[out] = i }
        }
        self.producers = producers
    }

    /// The node that makes `value`; nil for graph inputs and initializers.
    func producer(of value: String) -> Node? {
        producers[value].map { graph.nodes[$0] }
    }

    /// `value` as a float32 tensor, or nil when it is not constant by the rules above.
    func floats(_ value: String) throws -> Tensor? {
        try floats(value, depth: 0)
    }

    private func floats(_ value: String, depth: Int) throws -> Tensor? {
        if let t = graph.initializers[value] { return Self.float32(t) }
        guard depth < 16, let node = producer(of: value) else { return nil }
        switch node.opType {
        case "Constant":
            return Self.float32(try node.typed(ConstantAttributes.self).value)
        case "Identity":
            return try node.input(0).flatMap { try floats($0, depth: depth + 1) }
        case "Cast":
            guard let dtype = (try? node.typed(CastAttributes.self))?.target, dtype.isFloatingPoint else { return nil }
            return try node.input(0).flatMap { try floats($0, depth: depth + 1) }
        case "Transpose":
            guard let x = try node.input(0).flatMap({ try floats($0, depth: depth + 1) }) else { return nil }
            let perm = try node.typed(TransposeAttributes.self).perm ?? Array((0 ..< x.rank).reversed())
            guard perm.count == x.rank, Set(perm) == Set(0 ..< x.rank) else { throw node.attributeError("perm", "is not a permutation of \(x.rank) axes") }
            return try x.permuted(perm)
        case "DequantizeLinear":
            return try dequantized(node, depth: depth)
        default:
            return nil
        }
    }

    /// `(x − zero_point) · scale`, per tensor or along `axis`; blocked quantization is not folded.
    private func dequantized(_ node: Node, depth: Int) throws -> Tensor? {
        guard let xName = node.input(0), let x = try raw(xName, depth: depth + 1),
              let scaleName = node.input(1), let scale = try floats(scaleName, depth: depth + 1) else { return nil }
        let attributes = try node.typed(QuantizeAttributes.self)
        guard attributes.blockSize == 0 else { return nil }
        var axis = attributes.axis
        if axis < 0 { axis += x.rank }
        guard scale.count >= 1 else { throw node.error("the scale is empty") }
        let perAxis = scale.count > 1
        if perAxis {
            guard axis >= 0, axis < x.rank, scale.rank == 1, scale.count == x.shape[axis] else {
                throw node.error("scale of shape \(scale.shape) does not fit input of shape \(x.shape) along axis \(axis)")
            }
        }
        var zeroValues: [Float] = [0]
        if let zeroName = node.input(2) {
            guard let zero = try raw(zeroName, depth: depth + 1) else { return nil }
            zeroValues = zero.floatArray()
        }
        guard zeroValues.count == 1 || zeroValues.count == scale.count else {
            throw node.error("zero point of \(zeroValues.count) values does not match \(scale.count) scales")
        }
        let scales = scale.floatArray(), values = x.floatArray()
        let inner = perAxis ? x.shape[(axis + 1)...].reduce(1, *) : 1
        let out = try Tensor(dtype: .float32, shape: x.shape)
        let dst = out.pointer(as: Float.self)
        for i in 0 ..< values.count {
            let k = perAxis ? (i / inner) % scales.count : 0
            let z = zeroValues.count == 1 ? zeroValues[0] : zeroValues[k]
            dst[i] = (values[i] - z) * scales[k]
        }
        return out
    }

    /// A constant integer tensor as stored (initializer or `Constant`), for quantized weights.
    private func raw(_ value: String, depth: Int) throws -> Tensor? {
        if let t = graph.initializers[value] { return t }
        guard depth < 16, let node = producer(of: value) else { return nil }
        switch node.opType {
        case "Constant": return try node.typed(ConstantAttributes.self).value
        case "Identity": return try node.input(0).flatMap { try raw($0, depth: depth + 1) }
        default: return try floats(value, depth: depth)
        }
    }

    private static func float32(_ t: Tensor) -> Tensor {
        if t.dtype == .float32 { return t }
        return Tensor(t.floatArray(), shape: t.shape)
    }
}
