/// A raw address that may cross into the worker closures of `ExecutionContext.parallelFor`.
/// Kernels write disjoint parts of a fresh output through it.
struct RawAddress: @unchecked Sendable {
    let pointer: UnsafeRawPointer
    init(_ pointer: UnsafeRawPointer) { self.pointer = pointer }
    var mutablePointer: UnsafeMutableRawPointer { UnsafeMutableRawPointer(mutating: pointer) }
}
