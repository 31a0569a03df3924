import XCTest
@testable import StrataExport

final class SafeFileNamerTests: XCTestCase {
    func testPlainNamesAreKept() {
        var namer = SafeFileNamer()
        XCTAssertEqual(namer.fileName(for: "conv1", fileExtension: "npy"), "conv1.npy")
        XCTAssertEqual(namer.fileName(for: "block-2.relu_a", fileExtension: "npy"), "block-2.relu_a.npy")
    }

    func testHostileNamesBecomeSafe() {
        var namer = SafeFileNamer()
        let cases: [(String, String)] = [
            ("/etc/passwd", "_etc_passwd.npy"),
            ("..", "_...npy"),
            (".", "_..npy"),
            ("", "_.npy"),
            ("../../x", "_.._.._x.npy"),
            ("a\\b", "a_b.npy"),
            ("nul\0byte", "nul_byte.npy"),
            ("résumé", "r_sum_.npy"),
            ("层/α", "___.npy"),
            ("model/conv 1:0", "model_conv_1_0.npy"),
            (".hidden", "_.hidden.npy"),
        ]
        for (name, expected) in cases {
            let file = namer.fileName(for: name, fileExtension: "npy")
            XCTAssertEqual(file, expected, name)
            XCTAssertFalse(file.contains("/"))
            XCTAssertFalse(file.contains("\0"))
            XCTAssertNotEqual(file, ".")
            XCTAssertNotEqual(file, "..")
        }
    }

    func testCollisionsGetNumericSuffixesCaseInsensitively() {
        var namer = SafeFileNamer()
        XCTAssertEqual(namer.fileName(for: "a/b", fileExtension: "npy"), "a_b.npy")
        XCTAssertEqual(namer.fileName(for: "a:b", fileExtension: "npy"), "a_b_1.npy")
        XCTAssertEqual(namer.fileName(for: "A_B", fileExtension: "npy"), "A_B_2.npy")
        XCTAssertEqual(namer.fileName(for: "a_b_1", fileExtension: "npy"), "a_b_1_1.npy")
        namer.reserve("manifest.json")
        XCTAssertEqual(namer.fileName(for: "Manifest", fileExtension: "json"), "Manifest_1.json")
    }

    func testLongNamesAreCapped() {
        var namer = SafeFileNamer(maxLength: 40)
        let long = String(repeating: "x", count: 500)
        let first = namer.fileName(for: long, fileExtension: "npy")
        let second = namer.fileName(for: long, fileExtension: "npy")
        XCTAssertEqual(first, String(repeating: "x", count: 40) + ".npy")
        XCTAssertEqual(second, String(repeating: "x", count: 40) + "_1.npy")
        var defaultNamer = SafeFileNamer()
        XCTAssertLessThanOrEqual(defaultNamer.fileName(for: long, fileExtension: "npy").utf8.count, 255)
    }
}
