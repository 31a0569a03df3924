import Foundation
import StrataCore

/// A check for outputs whose size comes from values in the model or its inputs (ConstantOfShape,
/// Expand, Tile, Pad, Resize, OneHot, Range …): one larger than the memory limit is an input error at
/// the node, found before any work is done for it.
enum OutputBudget {
    static var bytes: Int { MemoryLimit.bytes }

    /// The element count of `shape`, after checking that a `dtype` tensor of it fits in the memory limit.
    @discardableResult
    static func check(_ shape: [Int], _ dtype: DType, node: Node) throws -> Int {
        let count = try ShapeAlgebra.elementCount(shape, node: node)
        let (size, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, size <= bytes else {
            let needs = overflow ? "more than 8 EiB" : MemoryLimit.describe(bytes: size)
            throw node.error("the output \(shape) of \(dtype.rawValue) needs \(needs), more than the memory limit of "
                             + "\(MemoryLimit.describe(bytes: bytes)) (--max-memory changes the limit)", kind: .resourceLimit)
        }
        return count
    }
}
