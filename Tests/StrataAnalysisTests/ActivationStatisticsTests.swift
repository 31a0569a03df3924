import Foundation
import StrataCore
import StrataTestSupport
import XCTest

@testable import StrataAnalysis

/// `ActivationStatistics` against a naive value-by-value reference on seeded tensors of many shapes,
/// layouts and dtypes: blocks, runs, rows and threads must not change any result.
final class ActivationStatisticsTests: XCTestCase {
    /// Everything `ActivationStatistics` reports, computed the obvious way (index arithmetic for the
    /// channel, a binary search of the limits for the bucket, two passes for the moments).
    struct Naive {
        var count = 0, nan = 0, inf = 0, zeros = 0, negative = 0
        var mean: Double?, std: Double?, minimum: Double?, maximum: Double?
        var buckets: [Int: Int] = [:]
        var channelMax: [Double] = []
        var saturated: [Int] = []

        init(_ values: [Double], shape: [Int], layout: ActivationLayout, bounds: SaturationBounds?) {
            count = values.count
            let limits = ValueHistogram.bucketLimits
            let rank = shape.count
            let axis = rank >= 2 ? (layout == .nhwc ? rank - 1 : 1) : nil
            let channels = axis.map { shape[$0] } ?? 0
            let inner = axis.map { shape[($0 + 1)...].reduce(1, *) } ?? 1
            channelMax = [Double](repeating: -.infinity, count: channels)
            if bounds != nil { saturated = [Int](repeating: 0, count: channels) }
            var finite: [Double] = []
            for (i, v) in values.enumerated() {
                if channels > 0 {
                    let c = (i / inner) % channels
                    if !v.isNaN { channelMax[c] = max(channelMax[c], v) }
                    if let b = bounds, abs(v - b.lo) <= 1e-3 || abs(v - b.hi) <= 1e-3 { saturated[c] += 1 }
                }
                if v.isNaN { nan += 1; continue }
                if v == 0 { zeros += 1 }
                if v < 0 { negative += 1 }
                if v.isInfinite { inf += 1; continue }
                finite.append(v)
                var lo = 0, hi = limits.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if limits[mid] > v { hi = mid } else { lo = mid + 1 }
                }
                let bucket = min(lo, limits.count - 1)
                buckets[bucket, default: 0] += 1
            }
            if !finite.isEmpty {
                let m = finite.reduce(0, +) / Double(finite.count)
                mean = m
                std = (finite.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(finite.count)).squareRoot()
                minimum = finite.min()
                maximum = finite.max()
            }
        }
    }

    /// Seeded values: mostly normal-ish, with zeros, negative zeros, NaN, ±∞, exact limits and subnormals sprinkled in.
    func values(_ n: Int, seed: UInt64, specials: Bool = true) -> [Double] {
        var r = SeededGenerator(seed: seed)
        let limits = ValueHistogram.bucketLimits
        return (0 ..< n).map { _ in
            let u = r.unit()
            guard specials else { return (u - 0.3) * 8 }
            switch r.below(100) {
            case 0: return .nan
            case 1: return r.below(2) == 0 ? .infinity : -.infinity
            case 2...9: return 0
            case 10: return -0.0
            case 11: return Double(Float(limits[700 + r.below(150)]))
            case 12: return Double(Float.leastNonzeroMagnitude) * Double(r.below(5) - 2)
            default: return (u - 0.3) * 8
            }
        }
    }

    func tensor(_ values: [Double], shape: [Int], dtype: DType) -> Tensor {
        let t = try! Tensor(dtype: dtype, shape: shape)
        for (i, v) in values.enumerated() {
            switch dtype {
            case .float32: t.pointer(as: Float.self)[i] = Float(v)
            case .float64: t.pointer(as: Double.self)[i] = v
            case .float16: t.pointer(as: Float16.self)[i] = Float16(v)
            case .bfloat16: t.pointer(as: UInt16.self)[i] = UInt16(Float(v).bitPattern >> 16)
            case .int8: t.pointer(as: Int8.self)[i] = v.isFinite ? Int8(max(-128, min(127, v.rounded()))) : 0
            case .int64: t.pointer(as: Int64.self)[i] = v.isFinite ? Int64(v * 1e6) : 0
            case .uint8: t.pointer(as: UInt8.self)[i] = v.isFinite ? UInt8(max(0, min(255, v * 20))) : 0
            case .bool: t.pointer(as: UInt8.self)[i] = v > 0 ? 1 : 0
            default: fatalError("no test values for \(dtype)")
            }
        }
        return t
    }

    func assertEqualsNaive(_ t: Tensor, layout: ActivationLayout, bounds: SaturationBounds? = nil, threads: Int = 1,
                           _ label: String, file: StaticString = #filePath, line: UInt = #line) throws -> ActivationStatistics {
        var s = ActivationStatistics(layout: layout, saturationBounds: bounds, maxThreads: threads)
        try s.add(t)
        let n = Naive((0 ..< t.count).map { t.doubleValue(at: $0) }, shape: t.shape, layout: layout, bounds: bounds)
        XCTAssertEqual(s.count, n.count, label, file: file, line: line)
        XCTAssertEqual(s.nanCount, n.nan, label, file: file, line: line)
        XCTAssertEqual(s.infCount, n.inf, label, file: file, line: line)
        XCTAssertEqual(s.zeroCount, n.zeros, label, file: file, line: line)
        XCTAssertEqual(s.negativeCount, n.negative, label, file: file, line: line)
        assertClose(s.mean, n.mean, rtol: 1e-12, "\(label) mean", file: file, line: line)
        assertClose(s.std, n.std, rtol: 1e-10, "\(label) std", file: file, line: line)
        XCTAssertEqual(s.minimum, n.minimum, label, file: file, line: line)
        XCTAssertEqual(s.maximum, n.maximum, label, file: file, line: line)
        var buckets: [Int: Int] = [:]
        for (i, c) in s.histogram.counts.enumerated() where c != 0 { buckets[i] = c }
        XCTAssertEqual(buckets, n.buckets, "\(label) histogram", file: file, line: line)
        XCTAssertEqual(s.channelMaxima, n.channelMax, "\(label) channel maxima", file: file, line: line)
        XCTAssertEqual(s.saturatedCounts, n.saturated, "\(label) saturation", file: file, line: line)
        return s
    }

    func testFloat32ShapesAndLayoutsEqualNaive() throws {
        let shapes: [[Int]] = [[2, 3, 37, 41], [3, 67, 71, 5], [1, 8193], [4, 1, 50, 51], [2, 5, 1, 1], [7, 3], [5], [], [1, 3, 4, 5, 6]]
        for (k, shape) in shapes.enumerated() {
            let v = values(shape.reduce(1, *), seed: UInt64(10 + k))
            for layout in [ActivationLayout.nchw, .nhwc] {
                _ = try assertEqualsNaive(tensor(v, shape: shape, dtype: .float32), layout: layout,
                                          bounds: SaturationBounds(lo: -1, hi: 2.5), "\(shape) \(layout)")
            }
        }
    }

    func testOtherDtypesEqualNaive() throws {
        for (k, dtype) in [DType.float64, .float16, .bfloat16, .int8, .int64, .uint8, .bool].enumerated() {
            let shape = [2, 7, 11, 13]
            _ = try assertEqualsNaive(tensor(values(shape.reduce(1, *), seed: UInt64(40 + k)), shape: shape, dtype: dtype),
                                      layout: .nhwc, bounds: SaturationBounds(lo: 0, hi: 1), "\(dtype)")
        }
    }

    /// Blocks without NaN take the vector path, blocks with one the value-by-value path; both agree.
    func testFiniteBlocksEqualNaive() throws {
        let shape = [3, 24, 40, 40]
        let t = tensor(values(shape.reduce(1, *), seed: 7, specials: false), shape: shape, dtype: .float32)
        _ = try assertEqualsNaive(t, layout: .nchw, bounds: SaturationBounds(lo: -2.4, hi: 5.6), "finite NCHW")
        _ = try assertEqualsNaive(t, layout: .nhwc, "finite NHWC")
    }

    /// Threads share the blocks; every result is the same bit for bit whatever their number, also
    /// for a tensor of a few blocks (20,435 values: three, the last one short) in either layout.
    func testThreadCountDoesNotChangeResults() throws {
        for (shape, layout) in [([2, 24, 80, 80], ActivationLayout.nchw), ([1, 5, 61, 67], .nchw), ([1, 61, 67, 5], .nhwc)] {
            let t = tensor(values(shape.reduce(1, *), seed: 99), shape: shape, dtype: .float32)
            let one = try assertEqualsNaive(t, layout: layout, threads: 1, "\(shape), 1 thread")
            for threads in [2, 3, 4] {
                var s = ActivationStatistics(layout: layout, maxThreads: threads)
                try s.add(t)
                XCTAssertEqual(s.mean!.bitPattern, one.mean!.bitPattern, "\(shape), \(threads) threads")
                XCTAssertEqual(s.sumOfSquaredDeviations.bitPattern, one.sumOfSquaredDeviations.bitPattern, "\(shape), \(threads) threads")
                XCTAssertEqual(s.histogram, one.histogram)
                XCTAssertEqual(s.channelMaxima, one.channelMaxima)
                XCTAssertEqual(s.zeroCount, one.zeroCount)
            }
        }
    }

    /// A channels-last activation given as its channels-first twin (`add(channelsFirst:)`, how
    /// `strata stats` reads Keras layers) has the statistics of the channels-last tensor: shape,
    /// counts, range, histogram, channel maxima and saturation exactly, moments to rounding.
    func testChannelsFirstTwinGivesTheChannelsLastStatistics() throws {
        let (n, c, h, w) = (2, 5, 33, 41)
        let x = tensor(values(n * c * h * w, seed: 12), shape: [n, c, h, w], dtype: .float32)
        let y = try Tensor(dtype: .float32, shape: [n, h, w, c])
        let p = x.pointer(as: Float.self), q = y.pointer(as: Float.self)
        for b in 0 ..< n { for k in 0 ..< c { for i in 0 ..< h * w { q[((b * h * w) + i) * c + k] = p[(b * c + k) * h * w + i] } } }
        let bounds = SaturationBounds(lo: -2.4, hi: 5.6)
        var twin = ActivationStatistics(layout: .nhwc, saturationBounds: bounds, maxThreads: 3)
        var direct = ActivationStatistics(layout: .nhwc, saturationBounds: bounds, maxThreads: 3)
        for _ in 0 ..< 2 {
            try twin.add(channelsFirst: x)
            try direct.add(y)
        }
        XCTAssertEqual(twin.shape, [4, 33, 41, 5])
        XCTAssertEqual(twin.shape, direct.shape)
        XCTAssertEqual(twin.count, direct.count)
        XCTAssertEqual(twin.nanCount, direct.nanCount)
        XCTAssertEqual(twin.infCount, direct.infCount)
        XCTAssertEqual(twin.zeroCount, direct.zeroCount)
        XCTAssertEqual(twin.negativeCount, direct.negativeCount)
        XCTAssertEqual(twin.minimum, direct.minimum)
        XCTAssertEqual(twin.maximum, direct.maximum)
        XCTAssertEqual(twin.histogram, direct.histogram)
        XCTAssertEqual(twin.channelMaxima, direct.channelMaxima)
        XCTAssertEqual(twin.saturatedCounts, direct.saturatedCounts)
        assertClose(twin.mean, direct.mean, rtol: 1e-12, "mean")
        assertClose(twin.std, direct.std, rtol: 1e-12, "std")
        // A batch of another channel count is refused as for the channels-last tensor.
        XCTAssertThrowsError(try twin.add(channelsFirst: tensor(values(2 * 4 * 3 * 3, seed: 1), shape: [2, 4, 3, 3], dtype: .float32)))
    }

    /// A large offset next to a small spread: the moments stay accurate.
    func testMomentsAreStableUnderLargeOffset() throws {
        let n = 100_000
        var r = SeededGenerator(seed: 5)
        let v = (0 ..< n).map { _ in Double(Float(1e6 + (r.unit() - 0.5) * 0.5)) }
        _ = try assertEqualsNaive(tensor(v, shape: [n], dtype: .float32), layout: .nchw, "offset")
    }

    func testDeadAndSaturatedRules() throws {
        // NHWC [2, 2, 2, 3]: channel 1 is always 0, channel 2 positive once; nothing negative.
        var v = [Float](repeating: 0, count: 24)
        for p in 0 ..< 8 { v[p * 3] = 0.5 }
        v[5] = 3
        var s = ActivationStatistics(layout: .nhwc)
        try s.add(Tensor(v, shape: [2, 2, 2, 3]))
        XCTAssertEqual(s.deadChannels, [1])
        // One negative value anywhere and dead units are not reported.
        v[0] = -0.5
        var negative = ActivationStatistics(layout: .nhwc)
        try negative.add(Tensor(v, shape: [2, 2, 2, 3]))
        XCTAssertEqual(negative.deadChannels, [])

        // Sigmoid-like [100, 2]: unit 0 at a bound 99 times of 100, unit 1 98 times.
        var w = [Float](repeating: 0.5, count: 200)
        for i in 0 ..< 99 { w[i * 2] = i % 2 == 0 ? 0.9995 : 0.0002 }
        for i in 0 ..< 98 { w[i * 2 + 1] = 1 }
        var sat = ActivationStatistics(layout: .nchw, saturationBounds: SaturationBounds(lo: 0, hi: 1))
        try sat.add(Tensor(w, shape: [100, 2]))
        XCTAssertEqual(sat.saturatedCounts, [99, 98])
        XCTAssertEqual(sat.saturatedChannels, [0])
        XCTAssertEqual(sat.deadChannels, [])

        // "Within 1e-3" includes exactly 1e-3 away (reachable in float64 only), and nothing further.
        let edge = try Tensor(dtype: .float64, shape: [1, 5])
        for (i, v) in [0.001, 0.001.nextUp, -0.001, 1 - 0.001, 0.5].enumerated() { edge.pointer(as: Double.self)[i] = v }
        var near = ActivationStatistics(layout: .nchw, saturationBounds: SaturationBounds(lo: 0, hi: 1))
        try near.add(edge)
        XCTAssertEqual(near.saturatedCounts, [1, 0, 1, 0, 0])
    }

    func testShapesThatChangeBetweenBatches() throws {
        var s = ActivationStatistics(layout: .nhwc)
        try s.add(Tensor([Float](repeating: 1, count: 2 * 4 * 5 * 3), shape: [2, 4, 5, 3]))
        try s.add(Tensor([Float](repeating: 2, count: 6 * 5 * 3), shape: [1, 6, 5, 3]))
        XCTAssertEqual(s.shape, [3, nil, 5, 3])
        XCTAssertEqual(s.inputs, 3)
        XCTAssertThrowsError(try s.add(Tensor([Float](repeating: 1, count: 20), shape: [1, 4, 5, 1]))) { error in
            XCTAssertEqual(String(describing: error), "an activation of shape [1, 4, 5, 1] has 1 channels, earlier ones 3")
        }
        XCTAssertThrowsError(try s.add(Tensor([Float](repeating: 1, count: 3), shape: [1, 3]))) { error in
            XCTAssertEqual(String(describing: error), "an activation of shape [1, 3] follows earlier ones of rank 4")
        }
        var other = ActivationStatistics(layout: .nchw)
        XCTAssertThrowsError(try other.merge(s))
    }

    func testEmptyTensorsAndNoFiniteValues() throws {
        var s = ActivationStatistics(layout: .nchw)
        try s.add(Tensor(dtype: .float32, shape: [0, 3, 2, 2]))
        XCTAssertEqual(s.count, 0)
        XCTAssertNil(s.mean)
        XCTAssertEqual(s.zerosFraction, 0)
        try s.add(Tensor([Float.nan, .infinity, .nan], shape: [1, 3, 1, 1]))
        XCTAssertEqual(s.count, 3)
        XCTAssertNil(s.mean)
        XCTAssertNil(s.std)
        XCTAssertNil(s.minimum)
        XCTAssertEqual(s.histogram.total, 0)
        XCTAssertEqual(s.channelMaxima, [-.infinity, .infinity, -.infinity])
        let json = LayerStatistics(output: LayerOutput(layer: "l", op: "Relu", output: 0, tensor: "t"), statistics: s).json
        let back = try LayerStatistics(json: JSONField(try JSONValue.parse(Data(json.rendered().utf8)), file: "x.json"), layout: .nchw)
        XCTAssertEqual(back.statistics.channelMaxima, s.channelMaxima)
        XCTAssertEqual(back.json, json)
    }
}
