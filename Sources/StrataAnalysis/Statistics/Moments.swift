/// Count, mean and sum of squared deviations from the mean (`m2`) of a set of values, in double;
/// two sets combine with Chan, Golub and LeVeque's parallel formula, which stays accurate when the
/// mean is large next to the spread.
struct Moments: Sendable, Equatable {
    var n: Int = 0
    var mean: Double = 0
    var m2: Double = 0

    mutating func combine(_ other: Moments) {
        guard other.n > 0 else { return }
        guard n > 0 else {
            self = other
            return
        }
        let total = n + other.n
        let delta = other.mean - mean
        let share = Double(other.n) / Double(total)
        mean += delta * share
        m2 += other.m2 + delta * delta * Double(n) * share
        n = total
    }
}
