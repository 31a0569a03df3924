/// A parsed Einsum equation (`"bij,bjk->bik"`, `"...ii->...i"`, implicit `"ij,jk"`).
///
/// Labels are numbers: a letter is its Unicode scalar value; the axes an ellipsis covers get the
/// labels `ellipsisBase + j`, `j` counted over the broadcast ellipsis axes (right aligned, as numpy does).
public struct EinsumEquation: Sendable, Hashable {
    /// One entry per operand: its letters in order, with `nil` where the ellipsis stands.
    public let terms: [[Character?]]
    /// The output term in the same form (derived for implicit equations).
    public let output: [Character?]

    public static let ellipsisBase = 1 << 20

    public init(_ text: String, node: Node) throws {
        let compact = text.filter { !$0.isWhitespace }
        func fail(_ why: String) -> StrataError { node.attributeError("equation", "'\(text)': \(why)") }
        func parseTerm(_ s: Substring) throws -> [Character?] {
            var term: [Character?] = []
            var rest = s
            while let c = rest.first {
                if c == "." {
                    guard rest.hasPrefix("..."), !term.contains(where: { $0 == nil }) else {
                        throw fail("a term may hold one '...' and no other dots")
                    }
                    term.append(nil)
                    rest = rest.dropFirst(3)
                } else if c.isASCII && c.isLetter {
                    term.append(c)
                    rest = rest.dropFirst()
                } else {
                    throw fail("unexpected character '\(c)'")
                }
            }
            return term
        }
        let sides = compact.components(separatedBy: "->")
        guard sides.count <= 2 else { throw fail("more than one '->'") }
        terms = try sides[0].split(separator: ",", omittingEmptySubsequences: false).map(parseTerm)
        if sides.count == 2 {
            let out = try parseTerm(Substring(sides[1]))
            let seen = terms.flatMap { $0 }
            for c in out {
                guard seen.contains(where: { $0 == c }) else {
                    throw fail(c.map { "output label '\($0)' is in no input" } ?? "output '...' but no input has one")
                }
                guard out.filter({ $0 == c }).count == 1 else { throw fail("output repeats a label") }
            }
            output = out
        } else {
            var counts: [Character: Int] = [:]
            for case let c? in terms.flatMap({ $0 }) { counts[c, default: 0] += 1 }
            let once = counts.filter { $0.value == 1 }.keys.sorted()
            let hasEllipsis = terms.contains { $0.contains { $0 == nil } }
            output = (hasEllipsis ? [nil] : []) + once.map { Optional($0) }
        }
    }

    /// Numeric labels for operands of the given ranks: each operand's labels (one per axis) and
    /// the output's labels.
    public func labels(ranks: [Int], node: Node) throws -> (inputs: [[Int]], output: [Int]) {
        guard ranks.count == terms.count else {
            throw node.error("equation has \(terms.count) operands, the node has \(ranks.count) inputs")
        }
        var ellipsisRanks: [Int] = []
        for (term, rank) in zip(terms, ranks) {
            let letters = term.filter { $0 != nil }.count
            let hasEllipsis = term.count != letters
            guard hasEllipsis ? rank >= letters : rank == letters else {
                throw node.error("equation term of \(letters) letters does not fit an input of rank \(rank)", kind: .invalidInput)
            }
            ellipsisRanks.append(rank - letters)
        }
        let broadcastRank = ellipsisRanks.max() ?? 0
        func expand(_ term: [Character?], ellipsis: Int) -> [Int] {
            term.flatMap { c -> [Int] in
                if let c { return [Int(c.unicodeScalars.first!.value)] }
                return (broadcastRank - ellipsis..<broadcastRank).map { Self.ellipsisBase + $0 }
            }
        }
        let inputs = zip(terms, ellipsisRanks).map { expand($0, ellipsis: $1) }
        return (inputs, expand(output, ellipsis: broadcastRank))
    }
}
