import Foundation
import StrataTestSupport
import XCTest
@testable import StrataImage

/// Paths and reference data of Fixtures/images (made by Tools/make-image-fixtures.py).
enum ImageFixtures {
    static let root = FixtureRoot.path("images")

    static func path(_ name: String) -> String { root + "/" + name }

    /// A JSON reference file of Fixtures/images/reference.
    static func reference(_ name: String) throws -> Any {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/reference/" + name))
        return try JSONSerialization.jsonObject(with: data)
    }

    static func decode(_ name: String) throws -> DecodedImage {
        try ImageDecoder.decode(path: path(name))
    }

    /// FNV-1a 64 of `bytes`, as the fixture script digests Pillow's arrays.
    static func fnv1a64(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01B3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
