/// One dimension of a shape: a known size, or a named unknown (`N`, `batch`).
///
/// The symbol `?` (`Dim.anonymous`) is an unknown of its own wherever it appears: two `?` dims
/// need not be equal. A shared name is a hint that the sizes agree, as onnxruntime reads it.
public enum Dim: Hashable, Sendable, CustomStringConvertible {
    case known(Int)
    case symbol(String)

    /// An unknown size with no name; `.symbol("?")`.
    public static let anonymous = Dim.symbol("?")

    /// True for `Dim.anonymous`.
    public var isAnonymous: Bool { self == .anonymous }

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

    /// Number of elements (1 for a scalar), for a shape known to be valid (a tensor's own shape,
    /// or one that passed `checkedElementCount`); overflow stops the process.
    public var elementCount: Int { reduce(1, *) }

    /// Number of elements, or nil when a dim is negative or the product of the nonzero dims does not
    /// fit in `Int` (even next to a zero dim, so that every partial product of an accepted shape
    /// fits). For shapes that come from files or from arithmetic on their values.
    public var checkedElementCount: Int? {
        var product = 1
        var empty = false
        for d in self {
            if d < 0 { return nil }
            if d == 0 {
                empty = true
                continue
            }
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            product = p
        }
        return empty ? 0 : product
    }
}
