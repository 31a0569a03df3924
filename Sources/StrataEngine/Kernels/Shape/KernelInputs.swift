import StrataCore

/// Runtime access to a shape kernel's inputs with errors located at the node.
struct KernelInputs {
    let node: Node
    let inputs: [Tensor?]

    init(_ inputs: [Tensor?], node: Node) {
        self.node = node
        self.inputs = inputs
    }

    /// Input `i`, which the op requires.
    func tensor(_ i: Int) throws -> Tensor {
        guard i < inputs.count, let t = inputs[i] else { throw node.error("input \(i) is missing", kind: .invalidInput) }
        return t
    }

    /// Input `i` if given.
    func optional(_ i: Int) -> Tensor? { i < inputs.count ? inputs[i] : nil }

    /// Input `i` as integers (an int32/int64 tensor); nil when absent.
    func ints(_ i: Int, _ name: String) throws -> [Int]? {
        guard let t = optional(i) else { return nil }
        guard t.dtype == .int64 || t.dtype == .int32 else {
            throw node.error("\(name) must be int64, found \(t.dtype.rawValue)", kind: .invalidInput)
        }
        return t.ints()
    }
}
