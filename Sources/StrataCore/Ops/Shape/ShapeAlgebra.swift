/// Shape arithmetic shared by the type rules of the shape ops and their kernels: axis
/// normalisation, broadcasting, and products over possibly symbolic dimensions.
///
/// Functions taking a `node` throw a `StrataError` located at that node when the model's values
/// cannot be valid; they never trap on data from a file.
public enum ShapeAlgebra {
    /// `axis` in `[-rank, rank)` mapped into `[0, rank)`.
    public static func normalizeAxis(_ axis: Int, rank: Int, node: Node, name: String = "axis") throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < rank else {
            throw node.attributeError(name, "axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }

    /// Every axis normalised into `[0, rank)`; repeated axes are an error.
    public static func normalizeAxes(_ axes: [Int], rank: Int, node: Node, name: String = "axes") throws -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(axes.count)
        for axis in axes {
            let a = try normalizeAxis(axis, rank: rank, node: node, name: name)
            if out.contains(a) { throw node.attributeError(name, "axis \(axis) is repeated") }
            out.append(a)
        }
        return out
    }

    /// The numpy-style broadcast of two shapes. Symbolic dims broadcast against 1 and against
    /// themselves; a symbol against a known size other than 1 takes the known size.
    public static func broadcast(_ a: [Dim], _ b: [Dim], node: Node) throws -> [Dim] {
        let rank = Swift.max(a.count, b.count)
        var out: [Dim] = []
        out.reserveCapacity(rank)
        for i in 0..<rank {
            let x: Dim = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y: Dim = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            switch (x, y) {
            case (.known(1), _): out.append(y)
            case (_, .known(1)): out.append(x)
            case let (.known(p), .known(q)):
                guard p == q else {
                    throw node.error("shapes \(a.shapeDescription) and \(b.shapeDescription) cannot be broadcast")
                }
                out.append(x)
            case (.known, .symbol): out.append(x)
            case (.symbol, .known): out.append(y)
            case (.symbol, .symbol): out.append(x)
            }
        }
        return out
    }

    /// The concrete broadcast of two shapes.
    public static func broadcast(_ a: [Int], _ b: [Int], node: Node) throws -> [Int] {
        try broadcast(a.dims, b.dims, node: node).map { $0.value! }
    }

    /// Product of dims: a known number when all are known, otherwise a symbolic expression
    /// such as `N*48` (known factors folded into one). A known product too large for `Int`
    /// stays an expression rather than overflowing.
    public static func product(_ dims: ArraySlice<Dim>) -> Dim {
        var known = 1
        var symbols: [String] = []
        for d in dims {
            switch d {
            case .known(let v):
                let (p, overflow) = known.multipliedReportingOverflow(by: v)
                if overflow { symbols.append(String(v)) } else { known = p }
            case .symbol(let s): symbols.append(s)
            }
        }
        if symbols.isEmpty { return .known(known) }
        if known == 0 { return .known(0) }
        if known != 1 { symbols.append(String(known)) }
        return .symbol(symbols.count == 1 ? symbols[0] : symbols.map(parenthesized).joined(separator: "*"))
    }

    public static func product(_ dims: [Dim]) -> Dim { product(dims[...]) }

    /// Sum of dims: known when all are known, otherwise a symbolic expression such as `N+3`.
    public static func sum(_ dims: [Dim]) -> Dim {
        var known = 0
        var symbols: [String] = []
        for d in dims {
            switch d {
            case .known(let v):
                let (t, overflow) = known.addingReportingOverflow(v)
                if overflow { symbols.append(String(v)) } else { known = t }
            case .symbol(let s): symbols.append(s)
            }
        }
        if symbols.isEmpty { return .known(known) }
        if known != 0 { symbols.append(String(known)) }
        return .symbol(symbols.count == 1 ? symbols[0] : symbols.map(parenthesized).joined(separator: "+"))
    }

    /// The element count of a concrete shape; a negative dim, or nonzero dims whose product is
    /// beyond `Int` (even next to a zero dim, so that every partial product of an accepted shape
    /// fits), is an error at `node`: sizes from files are not trusted.
    public static func elementCount(_ shape: [Int], node: Node, kind: StrataError.Kind = .invalidInput) throws -> Int {
        if shape.contains(where: { $0 < 0 }) { throw node.error("shape \(shape) has a negative dim", kind: kind) }
        guard let count = shape.checkedElementCount else { throw node.error("shape \(shape) has too many elements", kind: kind) }
        return count
    }

    private static func parenthesized(_ s: String) -> String {
        s.contains("+") ? "(" + s + ")" : s
    }

    /// The output shape of a Reshape: `0` copies the input dim (unless `allowZero`), one `-1` takes
    /// what is left. Symbolic input dims cancel against identical symbols in the target.
    /// Returns nil when the result depends on a symbolic value that does not cancel.
    /// Symbolic target dims are taken as given.
    public static func reshape(_ input: [Dim], to target: [Dim], allowZero: Bool, node: Node) throws -> [Dim]? {
        var out: [Dim?] = []
        var inferred: Int? = nil
        for (i, dim) in target.enumerated() {
            guard case .known(let t) = dim else {
                out.append(dim)
                continue
            }
            switch t {
            case -1:
                if inferred != nil { throw node.error("the target shape has more than one -1") }
                inferred = i
                out.append(nil)
            case 0 where !allowZero:
                guard i < input.count else {
                    throw node.error("target shape copies dim \(i), but the input has rank \(input.count)")
                }
                out.append(input[i])
            case ..<0:
                throw node.error("target shape has invalid dim \(t)")
            default:
                out.append(.known(t))
            }
        }
        if allowZero, inferred != nil, target.contains(.known(0)) {
            throw node.error("with allowzero, the target shape cannot contain both 0 and -1")
        }
        let given = out.compactMap { $0 }
        if let known = given.concrete { _ = try elementCount(known, node: node, kind: .invalidModel) }
        guard let slot = inferred else {
            let result = given
            if let a = input.concrete, let b = result.concrete {
                let count = try elementCount(a, node: node)
                if try count != elementCount(b, node: node, kind: .invalidModel) {
                    throw node.error("cannot reshape \(input.shapeDescription) (\(count) elements) to \(result.shapeDescription)")
                }
            }
            return result
        }
        // Cancel identical symbols, then divide the known parts.
        var inSymbols: [String] = []
        var inKnown = 1
        for d in input {
            switch d {
            case .known(let v):
                let (p, overflow) = inKnown.multipliedReportingOverflow(by: v)
                if overflow { return nil }
                inKnown = p
            case .symbol(let s): inSymbols.append(s)
            }
        }
        var outKnown = 1
        for d in given {
            switch d {
            case .known(let v):
                let (p, overflow) = outKnown.multipliedReportingOverflow(by: v)
                if overflow { throw node.error("target shape \(target.shapeDescription) has too many elements") }
                outKnown = p
            case .symbol(let s):
                guard let k = inSymbols.firstIndex(of: s) else { return nil }
                inSymbols.remove(at: k)
            }
        }
        let fill: Dim
        if inSymbols.isEmpty {
            guard outKnown != 0, inKnown % outKnown == 0 else {
                throw node.error("cannot reshape \(input.shapeDescription) to \(target.shapeDescription): the element count does not divide")
            }
            fill = .known(inKnown / outKnown)
        } else {
            guard outKnown != 0, inKnown % outKnown == 0 else { return nil }
            fill = product(inSymbols.map { Dim.symbol($0) } + [.known(inKnown / outKnown)])
        }
        out[slot] = fill
        return out.map { $0! }
    }

    /// The concrete output shape of a Reshape (see `reshape(_:to:allowZero:node:)`).
    public static func reshape(_ input: [Int], to target: [Int], allowZero: Bool, node: Node) throws -> [Int] {
        guard let dims = try reshape(input.dims, to: target.dims, allowZero: allowZero, node: node),
              let result = dims.concrete
        else { throw node.error("cannot reshape \(input) to \(target)") }
        let count = try elementCount(input, node: node)
        if try elementCount(result, node: node) != count {
            throw node.error("cannot reshape \(input) (\(count) elements) to \(result)")
        }
        return result
    }
}
