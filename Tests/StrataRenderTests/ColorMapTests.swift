import XCTest
@testable import StrataRender

/// The colour maps and value → colour mapping against matplotlib 3.11.2's recorded reference
/// (`Fixtures/visual/colormap-reference.json`, written by Tools/make-colormaps.py).
final class ColorMapTests: XCTestCase {
    private func reference() throws -> [String: Any] {
        try XCTUnwrap(Fixtures.visual("colormap-reference.json")["maps"] as? [String: Any])
    }

    func testEveryMapHasMatplotlibsTable() throws {
        let maps = try reference()
        XCTAssertEqual(Set(maps.keys), Set(ColorMap.all.map(\.name)), "the reference and StrataRender list the same maps")
        for map in ColorMap.all {
            let entry = try XCTUnwrap(maps[map.name] as? [String: Any], map.name)
            let rgb = try XCTUnwrap(entry["rgb"] as? [[Int]], map.name)
            XCTAssertEqual(rgb.count, 256, map.name)
            XCTAssertEqual(map.entries.count, 256, map.name)
            for (i, want) in rgb.enumerated() {
                let got = map.entries[i]
                XCTAssertEqual([Int(got.red), Int(got.green), Int(got.blue)], want, "\(map.name) entry \(i)")
            }
        }
    }

    func testNormalizationAndIndexMatchMatplotlib() throws {
        let maps = try reference()
        var checked = 0
        for map in ColorMap.all {
            let entry = try XCTUnwrap(maps[map.name] as? [String: Any])
            let cases = try XCTUnwrap(entry["cases"] as? [[String: Any]])
            for c in cases {
                let vmin = try double(c["vminBits"]), vmax = try double(c["vmaxBits"])
                let norm = try Normalization(vmin: vmin, vmax: vmax)
                let values = try Fixtures.floats(c["values"])
                let normalized = try Fixtures.floats(c["normalized"])
                let indices = try Fixtures.ints(c["index"])
                for (i, v) in values.enumerated() {
                    let x = norm(v)
                    XCTAssertEqual(x.bitPattern, normalized[i].bitPattern,
                                   "\(map.name) Normalize(\(vmin), \(vmax))(\(v)) = \(x), matplotlib \(normalized[i])")
                    XCTAssertEqual(code(ColorMap.index(ofNormalized: normalized[i])), indices[i],
                                   "\(map.name): index of normalised \(normalized[i]) (value \(v))")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 5000)
    }

    /// A double from the hex of its bits (the JSON's decimal text may be parsed with rounding).
    private func double(_ any: Any?) throws -> Double {
        Double(bitPattern: try XCTUnwrap(UInt64(try XCTUnwrap(any as? String), radix: 16)))
    }

    /// The index codes of the reference: 0…255, 256 under, 257 over, 258 bad.
    private func code(_ index: ColorMap.Index) -> Int {
        switch index {
        case .entry(let i): return i
        case .under: return 256
        case .over: return 257
        case .bad: return 258
        }
    }

    func testOutOfRangeAndNaNColours() throws {
        let norm = try Normalization(vmin: 0, vmax: 1)
        for map in ColorMap.all {
            XCTAssertEqual(map.color(of: -5, in: norm), map.entries[0], "\(map.name): under is the first entry")
            XCTAssertEqual(map.color(of: 7, in: norm), map.entries[255], "\(map.name): over is the last entry")
            XCTAssertEqual(map.color(of: .nan, in: norm), map.badColor, "\(map.name): NaN is the bad colour")
            XCTAssertFalse(map.entries.contains(map.badColor), "\(map.name): the NaN colour is not a colour of the map")
        }
        // NaN stays bad even when vmin == vmax, where matplotlib's Normalize maps everything to 0.
        let flat = try Normalization(vmin: 2, vmax: 2)
        XCTAssertEqual(ColorMap.viridis.color(of: .nan, in: flat), ColorMap.viridis.badColor)
        XCTAssertEqual(ColorMap.viridis.color(of: 9, in: flat), ColorMap.viridis.entries[0])
    }

    func testNamesAndInvalidLimits() throws {
        XCTAssertEqual(ColorMap(named: "rdbu_r")?.name, "RdBu_r")
        XCTAssertEqual(ColorMap(named: "Viridis")?.name, "viridis")
        XCTAssertNil(ColorMap(named: "parula"))
        XCTAssertTrue(ColorMap.rdBuR.isDiverging && ColorMap.coolwarm.isDiverging && ColorMap.bwr.isDiverging)
        XCTAssertFalse(ColorMap.viridis.isDiverging)
        XCTAssertThrowsError(try Normalization(vmin: 1, vmax: 0)) { error in
            XCTAssertTrue("\(error)".contains("above its maximum"), "\(error)")
        }
        XCTAssertThrowsError(try Normalization(vmin: 0, vmax: .infinity))
        XCTAssertThrowsError(try Normalization(vmin: .nan, vmax: 1))
    }

    func testScales() throws {
        let values: [Float] = [-3, 1, .nan, 2, .infinity]
        XCTAssertEqual(try ColorScale.global.normalization(for: values), try Normalization(vmin: -3, vmax: 2))
        XCTAssertEqual(try ColorScale.symmetric().normalization(for: values), try Normalization(vmin: -3, vmax: 3))
        XCTAssertEqual(try ColorScale.symmetric(limit: 0.5).normalization(for: values), try Normalization(vmin: -0.5, vmax: 0.5))
        XCTAssertEqual(try ColorScale.symmetric().normalization(for: [0, 0]), try Normalization(vmin: -1, vmax: 1))
        XCTAssertEqual(try ColorScale.global.normalization(for: [Float.nan]), try Normalization(vmin: 0, vmax: 0))
        XCTAssertThrowsError(try ColorScale.symmetric(limit: 0).normalization(for: values))
        XCTAssertThrowsError(try ColorScale.fixed(vmin: 2, vmax: 1).normalization(for: values))
    }
}
