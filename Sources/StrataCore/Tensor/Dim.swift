/// One dimension of a shape: a known size, or a named unknown (`N`, `batch`).
public enum Dim: Hashable, Sendable, CustomStringConvertible {
    case known(Int)
    case symbol(String)

    public var value: Int? {
        if case .known(let v) = self { return v }
        return nil
    }

    public var description: String {
        switch self {
        case .known(let v): return String(v)
        case .symbol(let s): return s
        }
    }
}

extension Dim: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .known(value) }
}

extension Array where Element == Dim {
    /// The concrete sizes, or nil when any dimension is symbolic.
    public var concrete: [Int]? {
        var out: [Int] = []
        out.reserveCapacity(count)
        for d in self {
            guard let v = d.value else { return nil }
            out.append(v)
        }
        return out
    }

    /// `[N, 3, 224, 224]`
    public var shapeDescription: String { "[" + map(\.description).joined(separator: ", ") + "]" }
}

extension Array where Element == Int {
    public var dims: [Dim] { map { .known($0) } }
    /// Number of elements (1 for a scalar).
    public var elementCount: Int { reduce(1, *) }
}
