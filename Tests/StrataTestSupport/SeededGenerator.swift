import StrataCore

/// The tests' one seeded random generator: SplitMix64 started at `seed`, so random test data is the
/// same on every run and machine. It is a `RandomNumberGenerator` (for `Float.random(in:using:)` and
/// `shuffled(using:)`) and has the few draws the tests share.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` (modulo draw: the tests' ranges are tiny beside 2^64).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// Uniform in 0..<n.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func unitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Uniform in [-1, 1) with 24 random bits.
    public mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

    public mutating func bool() -> Bool { next() & 1 == 1 }

    /// `count` values of `float()`.
    public mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in float() } }

    /// A float32 tensor of `float()` values.
    public mutating func tensor(_ shape: [Int]) -> Tensor { Tensor(floats(shape.elementCount), shape: shape) }

    /// A float32 tensor of `Float.random(in: range)` values.
    public mutating func tensor(_ shape: [Int], in range: ClosedRange<Float>) -> Tensor {
        Tensor((0..<shape.elementCount).map { _ in Float.random(in: range, using: &self) }, shape: shape)
    }

    public mutating func pick<T>(_ values: [T]) -> T { values[int(0...values.count - 1)] }

    /// `rank` sizes in 1...max.
    public mutating func shape(rank: Int, max: Int = 5) -> [Int] { (0..<rank).map { _ in int(1...max) } }

    /// A uniform permutation of 0..<n (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, int(0...i)) }
        return p
    }
}
