import StrataCore

/// A node compiled for execution: attributes parsed and checked once, then run many times.
public protocol Kernel: Sendable {
    /// Computes the node's outputs. `inputs` has one entry per node input; nil for an absent
    /// optional input. Returns one tensor per node output (trailing optional outputs may be omitted).
    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor]
}

/// What a kernel factory sees when compiling a node.
public struct KernelBuildContext: Sendable {
    public let node: Node
    /// Input types as far as they are known before running.
    public let inputTypes: [ValueType?]
    /// Inputs whose values are known before running (initializers, constants).
    public let constants: [Tensor?]

    public init(node: Node, inputTypes: [ValueType?], constants: [Tensor?]) {
        self.node = node
        self.inputTypes = inputTypes
        self.constants = constants
    }

    public func constant(_ i: Int) -> Tensor? { i < constants.count ? constants[i] : nil }
}

public typealias KernelFactory = @Sendable (KernelBuildContext) throws -> any Kernel
