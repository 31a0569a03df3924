import StrataCore

extension KernelRegistry {
    static let lossKernels: [String: KernelFactory] = [
        "NegativeLogLikelihoodLoss": { ctx in try LossKernel(ctx, softmax: false) },
        "SoftmaxCrossEntropyLoss": { ctx in try LossKernel(ctx, softmax: true) },
    ]

    static let lossWithoutGradient: [String: GradientExemption] = [
        "NegativeLogLikelihoodLoss": .unsupported("training losses have no backward rule yet"),
        "SoftmaxCrossEntropyLoss": .unsupported("training losses have no backward rule yet"),
    ]
}
