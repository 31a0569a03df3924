import StrataCore

extension KernelRegistry {
    static let reductionKernels: [String: KernelFactory] = [
        "ReduceSum": { try ReduceKernel($0) },
        "ReduceMean": { try ReduceKernel($0) },
        "ReduceMax": { try ReduceKernel($0) },
        "ReduceMin": { try ReduceKernel($0) },
        "ReduceProd": { try ReduceKernel($0) },
        "ReduceL1": { try ReduceKernel($0) },
        "ReduceL2": { try ReduceKernel($0) },
        "ReduceSumSquare": { try ReduceKernel($0) },
        "ReduceLogSumExp": { try ReduceKernel($0) },
        "ReduceLogSum": { try ReduceKernel($0) },
        "Softmax": { try SoftmaxKernel($0) },
        "LogSoftmax": { try SoftmaxKernel($0) },
        "ArgMax": { try ArgExtremumKernel($0) },
        "ArgMin": { try ArgExtremumKernel($0) },
        "CumSum": { try CumSumKernel($0) },
        "CumProd": { try CumSumKernel($0) },
        "Hardmax": { try HardmaxKernel($0) },
        "TopK": { try TopKKernel($0) },
    ]

    /// Reduction ops without a backward rule (see `GradientExemption`).
    static let reductionWithoutGradient: [String: GradientExemption] = [
        "ArgMax": .zero("integer output"),
        "ArgMin": .zero("integer output"),
        "Hardmax": .zero("piecewise constant: the gradient is zero"),
        "ReduceMin": .unsupported("not yet written"),
        "ReduceProd": .unsupported("not yet written"),
        "ReduceL1": .unsupported("not yet written"),
        "ReduceL2": .unsupported("not yet written"),
        "ReduceSumSquare": .unsupported("not yet written"),
        "ReduceLogSumExp": .unsupported("not yet written"),
        "ReduceLogSum": .unsupported("not yet written"),
        "CumSum": .unsupported("not yet written"),
        "CumProd": .unsupported("not yet written"),
        "TopK": .unsupported("not yet written"),
    ]
}
