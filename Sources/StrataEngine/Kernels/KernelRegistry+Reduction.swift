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
}
