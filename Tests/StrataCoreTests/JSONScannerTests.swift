import Foundation
import StrataCore
import StrataTestSupport
import XCTest

/// `JSONScanner` against the JSON grammar (RFC 8259), Python's extensions that Keras configs carry,
/// and Foundation's `JSONSerialization` on every JSON file in Fixtures/ (Keras configs and indexes,
/// manifests, stats documents).
final class JSONScannerTests: XCTestCase {
    private func parse(_ text: String, nonFinite: Bool = false) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try JSONScanner.parse($0, as: JSONValue.self, nonFinite: nonFinite) }
    }

    private func failure(_ text: String, nonFinite: Bool = false) -> String? {
        do { _ = try parse(text, nonFinite: nonFinite); return nil } catch { return "\(error)" }
    }

    func testGrammar() throws {
        XCTAssertEqual(try parse(#" {"b": [1, -0, 2.5, -1e3, 1E+2, "x", null, true, false], "a": {}} "#).rendered(pretty: false),
                       #"{"a":{},"b":[1,0,2.5,-1000,100,"x",null,true,false]}"#)
        XCTAssertEqual(try parse("[]"), .array([]))
        XCTAssertEqual(try parse("9223372036854775807"), .int(.max))
        XCTAssertEqual(try parse("9223372036854775808"), .double(9223372036854775808))
        XCTAssertEqual(try parse("1.0"), .double(1))
        XCTAssertEqual(try parse(#"{"k": 1, "k": 2}"#)["k"], .int(2))
        let expectations: [(String, String)] = [
            ("[1,]", "unexpected character ']' at byte 3"),
            ("{\"a\":1,}", "expected a quoted key in an object at byte 7"),
            ("01", "a number may not start with 0 at byte 1"),
            ("1.", "expected a digit after '.' at byte 2"),
            ("-", "expected a digit at byte 1"),
            ("1e", "expected a digit in the exponent at byte 2"),
            ("[1] x", "unexpected text after the value at byte 4"),
            ("", "unexpected end of text at byte 0"),
            ("tru", "expected 'true' at byte 0"),
            ("\"abc", "unterminated string at byte 0"),
            ("\"a\tb\"", "control character in a string at byte 2"),
            (#""\x""#, #"unknown escape '\x' at byte 2"#),
            (#""\u12g4""#, #"expected four hex digits after \u at byte 5"#),
            ("{\"a\" 1}", "expected ':' after an object key at byte 5"),
            ("[1e999]", "number 1e999 is beyond a double's range at byte 1"),
            ("NaN", "unexpected character 'N' at byte 0"),
        ]
        for (text, reason) in expectations { XCTAssertEqual(failure(text), reason, text) }
    }

    func testStringsAndEscapes() throws {
        XCTAssertEqual(try parse(#""plain é""#), .string("plain é"))
        XCTAssertEqual(try parse("\u{FEFF}[1]"), .array([.int(1)]))
        let invalid: [UInt8] = [0x5B, 0x22, 0x61, 0xC3, 0x28, 0x22, 0x5D]  // ["a\xC3(" ]
        XCTAssertThrowsError(try invalid.withUnsafeBufferPointer { try JSONScanner.parse($0, as: JSONValue.self) }) { error in
            XCTAssertEqual("\(error)", "a string is not valid UTF-8 at byte 1")
        }
        XCTAssertEqual(try parse(#""\"\\\/\b\f\n\r\t""#), .string("\"\\/\u{8}\u{c}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00e9\ud83d\ude00 \u0041""#), .string("é😀 A"))
        // Unpaired surrogates, which Python's json writes for lone surrogates in a str.
        XCTAssertEqual(try parse(#""\ud83d x \ude00 \ud83d\u0041""#), .string("\u{FFFD} x \u{FFFD} \u{FFFD}A"))
    }

    func testPythonNonFiniteFloats() throws {
        let v = try parse("[NaN, Infinity, -Infinity, 1e400, -1e400]", nonFinite: true)
        let doubles = try XCTUnwrap(v.array).map { $0.double! }
        XCTAssertTrue(doubles[0].isNaN)
        XCTAssertEqual(Array(doubles[1...]), [.infinity, -.infinity, .infinity, -.infinity])
        XCTAssertEqual(failure("[Infinity]"), "unexpected character 'I' at byte 1")
        XCTAssertEqual(failure("-Infinity"), "expected a digit at byte 1")
        XCTAssertEqual(failure("Nan", nonFinite: true), "expected 'NaN' at byte 0")
    }

    func testNestingIsLimited() throws {
        let depth = JSONScanner.maximumDepth
        XCTAssertNoThrow(try parse(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)))
        XCTAssertEqual(failure(String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)),
                       "nested deeper than 512 levels at byte 512")
        XCTAssertEqual(failure(String(repeating: "{\"a\":", count: 100_000)), "nested deeper than 512 levels at byte 2560")
    }

    /// Every JSON file in Fixtures/ reads as Foundation's `JSONSerialization` reads it. Foundation's
    /// reader on Linux does not round decimal numbers correctly (5.4836273193359375e-06, a float32
    /// value written exactly by Python, reads as 5.483627319335939e-06), so doubles are compared to
    /// 1e-14 relative; `JSONValueParsingTests.testDoublesRoundTripExactly` checks exact reading.
    func testFixturesReadAsFoundationReadsThem() throws {
        let root = URL(fileURLWithPath: FixtureRoot.repository + "/Fixtures")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }
        var compared = 0, differing: [String] = []
        for file in files {
            let data = try Data(contentsOf: file)
            guard let foundation = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                XCTAssertThrowsError(try JSONValue.parse(data), file.path)
                continue
            }
            if let difference = Self.difference(try JSONValue.parse(data), Self.value(foundation), at: "") {
                differing.append(file.lastPathComponent + difference)
            }
            compared += 1
        }
        XCTAssertEqual(differing, [])
        XCTAssertGreaterThan(compared, 200)
    }

    /// Where `a` and `b` differ (a path and both values), nil where they agree.
    private static func difference(_ a: JSONValue, _ b: JSONValue, at path: String) -> String? {
        switch (a, b) {
        case (.array(let x), .array(let y)) where x.count == y.count:
            return zip(x, y).enumerated().lazy.compactMap { difference($1.0, $1.1, at: path + "[\($0)]") }.first
        case (.object(let x), .object(let y)) where x.map(\.0) == y.map(\.0):
            return zip(x, y).lazy.compactMap { difference($0.1, $1.1, at: path + "." + $0.0) }.first
        case (.double(let x), .double(let y)) where abs(x - y) <= 1e-14 * abs(x):
            return nil
        default:
            return a.rendered(pretty: false) == b.rendered(pretty: false) ? nil
                : " \(path): \(a.rendered(pretty: false).prefix(80)) | \(b.rendered(pretty: false).prefix(80))"
        }
    }

    private static func value(_ any: Any) -> JSONValue {
        switch any {
        case is NSNull: return .null
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(value))
        case let d as [String: Any]: return .object(d.map { ($0.key, value($0.value)) }.sorted { $0.0 < $1.0 })
        case let n as NSNumber:
            // Foundation's type codes: "c" for booleans, integer codes for integers that fit.
            switch String(cString: n.objCType) {
            case "c": return .bool(n.boolValue)
            case "d", "f", "Q": return .double(n.doubleValue)
            default: return .int(n.intValue)
            }
        default: return .string("unexpected \(type(of: any))")
        }
    }
}
