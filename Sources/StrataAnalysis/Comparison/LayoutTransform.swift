/// How the values of one activation are laid out against another's with the same element count:
/// the same row-major order (a reshape at most), or a permutation of the axes of the other's shape
/// with its size-1 axes removed (NHWC ↔ NCHW, NWC ↔ NCW, and the same without the batch axis).
public struct LayoutTransform: Sendable, Equatable, CustomStringConvertible {
    /// The shape, without size-1 axes, that `permutation` applies to; empty for the identity.
    public let squeezedShape: [Int]
    /// Output axis i is input axis `permutation[i]`; nil for the identity.
    public let permutation: [Int]?

    public static let identity = LayoutTransform(squeezedShape: [], permutation: nil)

    init(squeezedShape: [Int], permutation: [Int]?) {
        self.squeezedShape = squeezedShape
        self.permutation = permutation
    }

    public var description: String {
        guard let permutation else { return "identity" }
        return "transpose\(permutation) of \(squeezedShape)"
    }

    /// The transforms that turn values of shape `other` into the row-major order of `reference`:
    /// the identity first, then the channel rotations whose result has `reference`'s squeezed shape.
    /// Empty when the element counts differ.
    public static func candidates(from other: [Int], to reference: [Int]) -> [LayoutTransform] {
        guard other.reduce(1, *) == reference.reduce(1, *) else { return [] }
        var result: [LayoutTransform] = [.identity]
        let source = other.filter { $0 != 1 }, target = reference.filter { $0 != 1 }
        guard source.count == target.count, source.count >= 2 else { return result }
        let rank = source.count
        var seen: Set<[Int]> = [Array(0 ..< rank)]
        for start in 0 ... 1 where rank - start >= 2 {
            let block = Array(start ..< rank)
            // The last axis moved to the front of the block (channels-last → channels-first), and back.
            let toFirst = Array(0 ..< start) + [block.last!] + block.dropLast()
            let toLast = Array(0 ..< start) + block.dropFirst() + [block.first!]
            for perm in [toFirst, toLast] where seen.insert(perm).inserted && perm.map({ source[$0] }) == target {
                result.append(LayoutTransform(squeezedShape: source, permutation: perm))
            }
        }
        return result
    }

    /// `values` (laid out as the `other` shape this transform was made for) in the reference's order.
    public func apply(_ values: [Float]) -> [Float] {
        guard let permutation else { return values }
        let shape = squeezedShape
        let rank = shape.count
        var strides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        let outShape = permutation.map { shape[$0] }
        let outStrides = permutation.map { strides[$0] }
        var out = [Float](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: rank)
        var source = 0
        values.withUnsafeBufferPointer { input in
            for position in 0 ..< out.count {
                out[position] = input[source]
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    source += outStrides[axis]
                    if index[axis] < outShape[axis] { break }
                    source -= outStrides[axis] * outShape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return out
    }
}
