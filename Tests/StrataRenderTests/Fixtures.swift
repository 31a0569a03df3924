import Foundation
import StrataTestSupport
import XCTest

/// The reference files the Tools scripts wrote under `Fixtures/visual/`.
enum Fixtures {
    static let root = FixtureRoot.repository

    /// The JSON object in `Fixtures/visual/<name>`.
    static func visual(_ name: String) throws -> [String: Any] {
        let path = root + "/Fixtures/visual/" + name
        guard let data = FileManager.default.contents(atPath: path) else {
            throw XCTSkip("missing \(path); Tools/make-colormaps.py and Tools/make-overlay-reference.py write it")
        }
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// float32 values from their bit patterns.
    static func floats(_ any: Any?) throws -> [Float] {
        try XCTUnwrap(any as? [NSNumber]).map { Float(bitPattern: $0.uint32Value) }
    }

    static func ints(_ any: Any?) throws -> [Int] {
        try XCTUnwrap(any as? [NSNumber]).map(\.intValue)
    }
}
