import StrataCore

/// A kernel that can apply a following activation node's function to its output as it stores it.
protocol ActivationFusing: Kernel {
    /// The node's outputs with `activation` applied to the first (nil: none); nil when this call
    /// cannot fuse (e.g. an input dtype the fused path does not cover), and the caller must run
    /// the kernel and the activation separately.
    func run(_ inputs: [Tensor?], activation: FusedActivation?, context: ExecutionContext) throws -> [Tensor]?
}
