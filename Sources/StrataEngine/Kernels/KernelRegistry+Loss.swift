import StrataCore

extension KernelRegistry {
    static let lossKernels: [String: KernelFactory] = [
        "NegativeLogLikelihoodLoss": { ctx in try LossKernel(ctx, softmax: false) },
        "SoftmaxCrossEntropyLoss": { ctx in try LossKernel(ctx, softmax: true) },
    ]
}
