import Foundation
import StrataCore
import XCTest

final class JSONValueParsingTests: XCTestCase {
    func testDoublesRoundTripExactly() throws {
        var values: [Double] = [0, 1, -1, 0.1, 1e-12, 5e-324, 2.2250738585072014e-308, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                123_456_789_012_345_678, 1e15, 1e15 + 1, 0.5e-7]
        var state: UInt64 = 12345
        for _ in 0 ..< 20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let d = Double(bitPattern: state)
            if d.isFinite { values.append(d) }
        }
        let text = JSONValue.array(values.map(JSONValue.double)).rendered(pretty: false)
        let parsed = try JSONValue.parse(Data(text.utf8))
        let back = try XCTUnwrap(parsed.array).map { $0.double! }
        XCTAssertEqual(back.count, values.count)
        for (a, b) in zip(values, back) { XCTAssertTrue(a == b, "\(a) read back as \(b)") }
    }

    func testValuesAndAccessors() throws {
        let v = try JSONValue.parse(Data(#"{"b": [1, 2.5, "x", null, true], "a": {"n": -3}, "big": 1e300}"#.utf8))
        XCTAssertEqual(v.members?.map(\.0), ["a", "b", "big"])
        XCTAssertEqual(v["a"]?["n"]?.int, -3)
        XCTAssertEqual(v["b"]?.array?.count, 5)
        XCTAssertEqual(v["b"]?.array?[1].double, 2.5)
        XCTAssertNil(v["b"]?.array?[1].int)
        XCTAssertEqual(v["b"]?.array?[2].string, "x")
        XCTAssertTrue(v["b"]?.array?[3].isNull ?? false)
        XCTAssertEqual(v["b"]?.array?[4].bool, true)
        XCTAssertEqual(v["big"]?.double, 1e300)
        XCTAssertNil(v["big"]?.int)
        XCTAssertNil(v["missing"])
        XCTAssertNil(JSONValue.int(3)["key"])
    }

    func testMalformedTextIsACorruptFileError() {
        for text in ["{", "[1, 2", "{\"a\" 1}", "nul", String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000), "[1e999]"] {
            XCTAssertThrowsError(try JSONValue.parse(Data(text.utf8), file: "s.json"), text) { error in
                let e = error as? StrataError
                XCTAssertEqual(e?.kind, .corruptFile)
                XCTAssertTrue(String(describing: error).hasPrefix("s.json: not valid JSON"), "\(error)")
            }
        }
    }
}
