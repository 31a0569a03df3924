import StrataCore

/// Every kernel Strata has, by op type. Each family lists its factories in its own file
/// (`KernelRegistry+<Family>.swift`); this table joins them.
public enum KernelRegistry {
    public static let factories: [String: KernelFactory] = {
        var table: [String: KernelFactory] = [:]
        let families: [[String: KernelFactory]] = [
            elementwiseKernels, reductionKernels, linearKernels, poolingKernels,
            normalizationKernels, shapeKernels, recurrentKernels, quantizationKernels, mathKernels, lossKernels,
            detectionKernels, signalKernels, controlFlowKernels, sequenceKernels,
        ]
        for family in families {
            table.merge(family) { _, _ in preconditionFailure("a kernel is registered twice") }
        }
        return table
    }()

    /// The ops with a kernel but no backward rule, and why (see `GradientExemption`); every other
    /// op's kernel is a `DifferentiableKernel`.
    public static let withoutGradient: [String: GradientExemption] = {
        var table: [String: GradientExemption] = [:]
        let families: [[String: GradientExemption]] = [
            elementwiseWithoutGradient, reductionWithoutGradient, linearWithoutGradient, poolingWithoutGradient,
            normalizationWithoutGradient, shapeWithoutGradient, recurrentWithoutGradient, quantizationWithoutGradient,
            mathWithoutGradient, lossWithoutGradient,
            detectionWithoutGradient, signalWithoutGradient, controlFlowWithoutGradient, sequenceWithoutGradient,
        ]
        for family in families {
            table.merge(family) { _, _ in preconditionFailure("an op is exempted twice") }
        }
        return table
    }()

    public static func factory(for node: Node) -> KernelFactory? {
        factories[node.domain.isEmpty || node.domain == "ai.onnx" ? node.opType : node.domain + "::" + node.opType]
    }
}
