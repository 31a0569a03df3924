// Times `ActivationStatistics.add` on activations shaped like MobileNetV2's and prints ns per value.
//
//     swift run -c release strata-analysis-bench [--threads T] [--repeat R]
//
// `--case I` runs only the I-th case (for `perf stat`). Each case adds the same tensor R times (default 20) and reports the fastest and the median time
// per value, so that other load on the machine disturbs the figures least.
import Foundation
import StrataAnalysis
import StrataCore

var threads = [1, ProcessInfo.processInfo.activeProcessorCount]
var repeats = 20
var only: Int?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--threads": threads = [Int(arguments.popFirst() ?? "") ?? 1]
    case "--repeat": repeats = Swift.max(1, Int(arguments.popFirst() ?? "") ?? 20)
    case "--case": only = Int(arguments.popFirst() ?? "")
    default:
        FileHandle.standardError.write(Data("usage: strata-analysis-bench [--threads T] [--repeat R] [--case I]\n".utf8))
        exit(2)
    }
}

/// SplitMix64: seeded values, the same on every run.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Roughly normal: the sum of four uniforms, centred.
    mutating func normal() -> Float {
        var s: Float = 0
        for _ in 0 ..< 4 { s += Float(next() >> 40) / Float(1 << 24) }
        return (s - 2) * 1.7
    }
}

func tensor(_ shape: [Int], _ transform: (Float) -> Float) -> Tensor {
    var rng = SplitMix64(state: 42)
    let t = try! Tensor(dtype: .float32, shape: shape)  // benchmark shapes are small and fixed
    let p = t.pointer(as: Float.self)
    for i in 0 ..< t.count { p[i] = transform(rng.normal()) }
    return t
}

struct Case {
    let name: String
    let tensor: Tensor
    let layout: ActivationLayout
    let bounds: SaturationBounds?
}

let cases = [
    Case(name: "relu6 [1,112,112,96] NHWC", tensor: tensor([1, 112, 112, 96]) { Swift.min(Swift.max($0, 0), 6) }, layout: .nhwc,
         bounds: SaturationBounds(lo: 0, hi: 6)),
    Case(name: "relu [1,96,112,112] NCHW", tensor: tensor([1, 96, 112, 112]) { Swift.max($0, 0) }, layout: .nchw, bounds: nil),
    Case(name: "linear [1,56,56,144] NHWC", tensor: tensor([1, 56, 56, 144]) { $0 }, layout: .nhwc, bounds: nil),
    Case(name: "linear [1,144,56,56] NCHW", tensor: tensor([1, 144, 56, 56]) { $0 }, layout: .nchw, bounds: nil),
    Case(name: "sigmoid [1,1280,7,7] NCHW", tensor: tensor([1, 1280, 7, 7]) { 1 / (1 + exp(-$0)) }, layout: .nchw,
         bounds: SaturationBounds(lo: 0, hi: 1)),
    // Small outputs, where the fixed cost of an `add` shows.
    Case(name: "linear [1,7,7,160] NHWC", tensor: tensor([1, 7, 7, 160]) { $0 }, layout: .nhwc, bounds: nil),
    Case(name: "softmax [1,1000]", tensor: tensor([1, 1000]) { exp($0) / 3000 }, layout: .nchw, bounds: SaturationBounds(lo: 0, hi: 1)),
]

/// Nanoseconds of `clock`: the wall clock, or this thread's CPU time (which other processes' load
/// does not inflate, for single-threaded runs).
func now(_ clock: clockid_t) -> Double {
    var t = timespec()
    clock_gettime(clock, &t)
    return Double(t.tv_sec) * 1e9 + Double(t.tv_nsec)
}

func measure(_ c: Case, threads: Int, repeats: Int, clock: clockid_t) throws -> (best: Double, median: Double) {
    // Small outputs are added many times per sample, so that reading the clock costs nothing.
    let adds = Swift.max(1, 1_000_000 / c.tensor.count)
    var times: [Double] = []
    for _ in 0 ..< repeats {
        var stats = ActivationStatistics(layout: c.layout, saturationBounds: c.bounds, maxThreads: threads)
        let start = now(clock)
        for _ in 0 ..< adds { try stats.add(c.tensor) }
        times.append((now(clock) - start) / Double(c.tensor.count * adds))
    }
    times.sort()
    return (times[0], times[times.count / 2])
}

print("ns per value, best and median of \(repeats) runs (1 thread: thread CPU time; more: wall time); µs per add for small outputs")
for t in threads {
    let clock = t == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC
    for (i, c) in cases.enumerated() where only == nil || only == i {
        let (best, median) = try measure(c, threads: t, repeats: repeats, clock: clock)
        let name = c.name.padding(toLength: 30, withPad: " ", startingAt: 0)
        let perAdd = c.tensor.count < 65536 ? String(format: "  (%.1f µs per add)", best * Double(c.tensor.count) / 1000) : ""
        print("\(name) threads \(t): best \(String(format: "%.3f", best))  median \(String(format: "%.3f", median))\(perAdd)")
    }
}
