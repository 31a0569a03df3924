import StrataCore
import StrataTestSupport
import XCTest

@testable import StrataAnalysis

/// The fixed TensorBoard grid and the bit-based bucket lookup against a plain binary search.
final class HistogramBucketsTests: XCTestCase {
    /// The first limit greater than `v` (C++ `std::upper_bound`), `DBL_MAX`'s bucket for `DBL_MAX`.
    private func upperBound(_ v: Double) -> Int {
        let limits = ValueHistogram.bucketLimits
        var lo = 0, hi = limits.count
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if v < limits[mid] { hi = mid } else { lo = mid + 1 }
        }
        return min(lo, limits.count - 1)
    }

    func testLimitsAreTensorBoardsDefaultBuckets() throws {
        let limits = ValueHistogram.bucketLimits
        XCTAssertEqual(limits.count, 1551)
        XCTAssertEqual(limits[775], 0)
        XCTAssertEqual(limits[776], 1e-12)
        XCTAssertEqual(limits[774], -1e-12)
        XCTAssertEqual(limits.first, -Double.greatestFiniteMagnitude)
        XCTAssertEqual(limits.last, Double.greatestFiniteMagnitude)
        XCTAssertLessThan(limits[1549], 1e20)
        XCTAssertGreaterThanOrEqual(limits[1549] * 1.1, 1e20)
        for i in 1 ..< limits.count { XCTAssertLessThan(limits[i - 1], limits[i]) }
        for i in 0 ..< 775 { XCTAssertEqual(limits[i], -limits[1550 - i]) }
        // numpy's copy of the grid (Python floats, the same repeated multiplication) in a fixture.
        let edges = AnalysisFixtures.doubles(try AnalysisFixtures.json("expected.json")["wide_nchw"]?["histogram"]?["edges"])
        let start = try XCTUnwrap(limits.firstIndex(of: edges[0]))
        XCTAssertEqual(Array(limits[start ..< start + edges.count]), edges)
    }

    /// Values that sit on, next to and between limits, at the ends of both float types, and at zero.
    private func edgeDoubles() -> [Double] {
        var values: [Double] = [0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                                -.leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                Double(Float.greatestFiniteMagnitude), -Double(Float.greatestFiniteMagnitude),
                                Double(Float.leastNonzeroMagnitude), -Double(Float.leastNonzeroMagnitude), 1, -1, 1e20, -1e20]
        for limit in ValueHistogram.bucketLimits {
            values += [limit, limit.nextUp, limit.nextDown, limit * 1.05]
            let f = Float(limit)
            if f.isFinite { values += [Double(f), Double(f.nextUp), Double(f.nextDown)] }
        }
        return values.filter(\.isFinite)
    }

    func testFloatLookupEqualsBinarySearch() {
        let table = HistogramTables.float, limits = HistogramTables.floatLimits
        var checked = 0
        func check(_ x: Float) {
            guard x.isFinite else { return }
            XCTAssertEqual(HistogramBuckets.bucket(x, table: table, limits: limits), upperBound(Double(x)), "value \(x) bits \(x.bitPattern)")
            checked += 1
        }
        for d in edgeDoubles() {
            let f = Float(d)
            check(f)
            check(f.nextUp)
            check(f.nextDown)
        }
        // Every sub-range of the lookup table at both of its ends.
        for key in UInt32(0) ..< (1 << 13) {
            check(Float(bitPattern: key << 19))
            check(Float(bitPattern: key << 19 | 0x7FFFF))
        }
        var random = SeededGenerator(seed: 1)
        for _ in 0 ..< 2_000_000 { check(Float(bitPattern: UInt32(truncatingIfNeeded: random.next()))) }
        for _ in 0 ..< 1_000_000 { check(Float((random.unit() - 0.5) * 20)) }
        XCTAssertGreaterThan(checked, 3_000_000)
    }

    func testDoubleLookupEqualsBinarySearch() {
        let table = HistogramTables.double, limits = HistogramTables.doubleLimits
        var checked = 0
        func check(_ x: Double) {
            guard x.isFinite else { return }
            XCTAssertEqual(HistogramBuckets.bucket(x, table: table, limits: limits), upperBound(x), "value \(x) bits \(x.bitPattern)")
            checked += 1
        }
        for d in edgeDoubles() { check(d) }
        for key in UInt64(0) ..< (1 << 16) {
            check(Double(bitPattern: key << 48))
            check(Double(bitPattern: key << 48 | 0xFFFF_FFFF_FFFF))
        }
        var random = SeededGenerator(seed: 2)
        for _ in 0 ..< 2_000_000 { check(Double(bitPattern: random.next())) }
        for _ in 0 ..< 1_000_000 { check((random.unit() - 0.5) * 1e-9) }
        XCTAssertGreaterThan(checked, 3_000_000)
    }

    func testZerosOfBothSignsShareTheBucketFromZero() {
        var h = ValueHistogram()
        h.add(0)
        h.add(-0.0)
        h.add(.nan)
        h.add(.infinity)
        let (edges, counts) = h.trimmed
        XCTAssertEqual(edges, [0, 1e-12])
        XCTAssertEqual(counts, [2])
    }

    func testTrimmedFormReadsBackAndRefusesForeignEdges() throws {
        var h = ValueHistogram()
        for v in [-3.5, -3.4, 0.25, 7e9, 1e-13] { h.add(v) }
        let (edges, counts) = h.trimmed
        XCTAssertEqual(counts.reduce(0, +), 5)
        XCTAssertEqual(edges.count, counts.count + 1)
        XCTAssertEqual(try ValueHistogram(edges: edges, counts: counts), h)
        XCTAssertEqual(try ValueHistogram(edges: [], counts: []), ValueHistogram())

        var shifted = edges
        shifted[0] = shifted[0].nextUp
        XCTAssertThrowsError(try ValueHistogram(edges: shifted, counts: counts)) { error in
            XCTAssertEqual(String(describing: error), "field 'histogram.edges': the edges are not consecutive limits of TensorBoard's default buckets")
        }
        XCTAssertThrowsError(try ValueHistogram(edges: Array(edges.dropLast()), counts: counts)) { error in
            XCTAssertTrue(String(describing: error).contains("need \(counts.count - 1) counts"), "\(error)")
        }
        XCTAssertThrowsError(try ValueHistogram(edges: [edges[0], edges[2]], counts: [1]))
        XCTAssertThrowsError(try ValueHistogram(edges: [edges[0], edges[1]], counts: [-1]))
        let limits = ValueHistogram.bucketLimits
        XCTAssertThrowsError(try ValueHistogram(edges: [limits[1549], limits[1550], .infinity], counts: [1, 1]))
    }

    func testLinearBinsShareCountsByOverlap() throws {
        var h = ValueHistogram()
        for v in [0.5, 0.5, 1.5, 2.5, 3.999] { h.add(v) }
        let bins = try h.linearBins(4, from: 0.5, to: 3.999)
        XCTAssertEqual(bins.count, 4)
        XCTAssertEqual(bins.reduce(0, +), 5, accuracy: 1e-9)
        // All values at one point: everything in one bin.
        var point = ValueHistogram()
        for _ in 0 ..< 3 { point.add(2) }
        XCTAssertEqual(try point.linearBins(5, from: 2, to: 2), [3, 0, 0, 0, 0])
        // Spread by hand: bucket [a, b) of one value split over [lo, hi] = [a, b] in 2 bins gives half each.
        let limits = ValueHistogram.bucketLimits
        var one = ValueHistogram()
        one.add(limits[900])
        let halves = try one.linearBins(2, from: limits[900], to: limits[901])
        XCTAssertEqual(halves[0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(halves[1], 0.5, accuracy: 1e-12)
        XCTAssertThrowsError(try h.linearBins(0, from: 0, to: 1))
        XCTAssertThrowsError(try h.linearBins(3, from: 2, to: 1))
    }
}
