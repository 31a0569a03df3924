import StrataTensorBoard
import StrataTestSupport
import XCTest
@testable import StrataTensorBoard

final class CRC32CTests: XCTestCase {
    func testCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([]), 0)
    }

    /// The CRC32C examples of RFC 3720 (iSCSI), appendix B.4.
    func testRFC3720Vectors() {
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0 ..< 32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0 ..< 32).reversed().map { UInt8($0) }), 0x113F_DB5C)
    }

    func testContinuingEqualsWhole() {
        let bytes = (0 ..< 1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for split in [0, 1, 7, 500, 999, 1000] {
            let first = bytes[..<split].withUnsafeBytes { CRC32C.checksum($0) }
            let both = bytes[split...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
            XCTAssertEqual(both, CRC32C.checksum(bytes), "split at \(split)")
        }
    }

    /// ISA-L picks an implementation for the CPU; it must agree with the portable one at every
    /// length and alignment (the vector code handles blocks, heads and tails separately).
    func testDispatchedEqualsBaseline() {
        var random = SeededGenerator(seed: 1)
        for length in Array(0 ... 80) + [255, 256, 257, 1023, 4096, 10_000] {
            let bytes = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            XCTAssertEqual(CRC32C.checksum(bytes), CRC32C.baselineChecksum(bytes), "length \(length)")
        }
    }

    /// TensorFlow's crc32c::Mask of 0 is its delta; TFRecordTests compare masked checksums of real
    /// payloads with TensorBoard's.
    func testMaskOfZero() {
        XCTAssertEqual(CRC32C.masked(0), 0xA282_EAD8)
    }
}
