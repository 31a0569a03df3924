extension LayerSelector {
    /// Whether `name` matches the fnmatch-style `pattern` as a whole. `*` matches any run of
    /// characters (slashes included), `?` one character, `[...]` one character from a set or range
    /// (`[!...]` or `[^...]` negates); an unclosed `[` matches itself.
    static func globMatches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern), s = Array(name)
        // Backtracking over the last `*` gives linear behaviour for the usual patterns.
        var pi = 0, si = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count, p[pi] == "*" {
                starP = pi
                starS = si
                pi += 1
                continue
            }
            if pi < p.count, let next = matchOne(p, pi, s[si]) {
                pi = next
                si += 1
                continue
            }
            guard starP >= 0 else { return false }
            pi = starP + 1
            starS += 1
            si = starS
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// If pattern element at `i` matches `c`, the index after that element.
    private static func matchOne(_ p: [Character], _ i: Int, _ c: Character) -> Int? {
        switch p[i] {
        case "?":
            return i + 1
        case "[":
            guard let (matched, end) = matchSet(p, i, c) else { return c == "[" ? i + 1 : nil }
            return matched ? end : nil
        default:
            return p[i] == c ? i + 1 : nil
        }
    }

    /// Matches the bracket expression starting at `p[start] == "["`; nil when it is not closed.
    private static func matchSet(_ p: [Character], _ start: Int, _ c: Character) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count, p[i] == "!" || p[i] == "^" {
            negate = true
            i += 1
        }
        var found = false
        var first = true
        while i < p.count {
            if p[i] == "]" && !first { return (found != negate, i + 1) }
            first = false
            if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]" {
                if p[i] <= c && c <= p[i + 2] { found = true }
                i += 3
            } else {
                if p[i] == c { found = true }
                i += 1
            }
        }
        return nil
    }
}
