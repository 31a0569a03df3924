/// NumPy-style multidirectional broadcasting of shapes, for type rules. Shapes are aligned at
/// their last dimension; in each position the sizes must agree or be 1.
public enum Broadcasting {
    /// The broadcast shape of `shapes`, possibly symbolic.
    ///
    /// A known size 1 yields to anything; a known size above 1 wins over symbols (which must then
    /// equal it at run time); equal symbols stay. Two different symbols in one position cannot be
    /// named without running, so the rule throws `InferenceContext.Unknown`. Known sizes that
    /// cannot broadcast throw a `StrataError` naming the shapes.
    public static func shape(_ shapes: [[Dim]]) throws -> [Dim] {
        let rank = shapes.map(\.count).max() ?? 0
        var result: [Dim] = []
        result.reserveCapacity(rank)
        for position in 0..<rank {
            var known: Int? = nil
            var symbol: String? = nil
            var symbolsDiffer = false
            for shape in shapes {
                let k = position - (rank - shape.count)
                guard k >= 0 else { continue }
                switch shape[k] {
                case .known(1):
                    continue
                case .known(let v):
                    if let other = known, other != v {
                        throw StrataError(.invalidModel, "shapes \(describe(shapes)) cannot be broadcast together")
                    }
                    known = v
                case .symbol(let s):
                    if let other = symbol, other != s { symbolsDiffer = true }
                    symbol = s
                }
            }
            if let v = known {
                result.append(.known(v))
            } else if let s = symbol {
                if symbolsDiffer { throw InferenceContext.Unknown() }
                result.append(.symbol(s))
            } else {
                result.append(.known(1))
            }
        }
        return result
    }

    /// The broadcast shape of concrete `shapes`, or nil when they cannot broadcast.
    public static func shape(_ shapes: [[Int]]) -> [Int]? {
        // A loop, not `map(\.count).max()`: a key path from another module is not specialised, and
        // its lookups cost a run's Add of a small row as much as the addition.
        var rank = 0
        for shape in shapes { rank = Swift.max(rank, shape.count) }
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            let lead = rank - shape.count
            for (k, size) in shape.enumerated() {
                let current = result[lead + k]
                if current == size || size == 1 { continue }
                if current == 1 { result[lead + k] = size } else { return nil }
            }
        }
        return result
    }

    /// `[2, 3] and [4]`, for messages.
    public static func describe(_ shapes: [[Dim]]) -> String {
        let parts = shapes.map(\.shapeDescription)
        guard parts.count > 1 else { return parts.first ?? "[]" }
        return parts.dropLast().joined(separator: ", ") + " and " + parts.last!
    }
}
