/// Sums and products of sizes that come from files, nil when the result does not fit in `Int`,
/// so that callers turn an overflow into an error at the place they know instead of a trap.
public enum CheckedArithmetic {
    /// `a + b + …`, nil on overflow.
    public static func sum(_ terms: Int...) -> Int? {
        var total = 0
        for t in terms {
            let (s, overflow) = total.addingReportingOverflow(t)
            if overflow { return nil }
            total = s
        }
        return total
    }

    /// `a * b * …`, nil on overflow.
    public static func product(_ factors: Int...) -> Int? {
        var total = 1
        for f in factors {
            let (p, overflow) = total.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            total = p
        }
        return total
    }
}
