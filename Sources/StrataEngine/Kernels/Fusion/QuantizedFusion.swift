import StrataCore

/// A `DequantizeLinear → op → QuantizeLinear` pattern of a QDQ graph run as the integer op
/// onnxruntime's default session replaces it with (its QDQ selector/action transformer): `Conv`
/// as `QLinearConv`, `MatMul` as `QLinearMatMul`, `Gemm` as `com.microsoft` `QGemm` (with or
/// without the `QuantizeLinear`), `Add`/`Mul` as `QLinearAdd`/`QLinearMul`, `AveragePool`,
/// `GlobalAveragePool`, `LeakyRelu` and `Sigmoid` as their `QLinear…` forms and `Concat` as
/// `QLinearConcat`.
///
/// The replacement takes the integer inputs of the `DequantizeLinear` nodes and the scale and
/// zero point of the `QuantizeLinear` node, and its kernel is the one those ops have on their own
/// (`Kernels/Quantization`), so a fused pattern computes in integers exactly what onnxruntime's
/// fused graph computes, where the pattern run node by node computes a float op and rounds it.
/// `QuantizedPattern` decides which patterns qualify.
struct QuantizedFusion: Sendable {
    /// Where one input of the replacement op comes from.
    enum Source: Sendable {
        /// A value computed by the run (or fed), read when the fused op runs.
        case value(String)
        /// A value known before running (an initializer or a folded constant).
        case constant(Tensor)
        /// An absent optional input.
        case absent
    }

    /// The replacement node (named after the pattern's op node, for error locations).
    let node: Node
    let sources: [Source]
    let kernel: any Kernel

    /// Compiles `node` with the inputs `sources`; nil when no kernel accepts it.
    init?(node: Node, sources: [Source]) {
        guard let factory = KernelRegistry.factory(for: node) else { return nil }
        let constants: [Tensor?] = sources.map { if case .constant(let t) = $0 { t } else { nil } }
        guard let kernel = try? factory(KernelBuildContext(node: node, inputTypes: sources.map { _ in nil }, constants: constants))
        else { return nil }
        (self.node, self.sources, self.kernel) = (node, sources, kernel)
    }

    /// The names of the computed values the replacement reads.
    var valueInputs: [String] {
        sources.compactMap { if case .value(let name) = $0 { name } else { nil } }
    }

    /// The pattern's output: the replacement op run on its inputs, `value` giving the computed ones.
    func run(value: (String) -> Tensor?, context: ExecutionContext) throws -> Tensor {
        var inputs: [Tensor?] = []
        inputs.reserveCapacity(sources.count)
        for source in sources {
            switch source {
            case .value(let name):
                guard let t = value(name) else {
                    throw StrataError(.invalidModel, "the fused \(node.opType) found no value for '\(name)'", at: node.location)
                }
                inputs.append(t)
            case .constant(let t): inputs.append(t)
            case .absent: inputs.append(nil)
            }
        }
        guard let y = try kernel.run(inputs, context: context).first else {
            throw StrataError(.invalidModel, "the fused \(node.opType) produced no value", at: node.location)
        }
        return y
    }
}
