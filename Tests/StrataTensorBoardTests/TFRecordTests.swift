import StrataTensorBoard
import StrataTestSupport
import XCTest

final class TFRecordTests: XCTestCase {
    /// records.bin holds the payloads of records.json framed by TensorBoard's own RecordWriter.
    func testFramingEqualsTensorBoards() throws {
        let payloads = try XCTUnwrap(TensorBoardFixtures.json("records.json")["payloads"] as? [String]).map(Self.bytes(hex:))
        var framed: [UInt8] = []
        for payload in payloads { TFRecord.append(payload, to: &framed) }
        XCTAssertEqual(framed, try TensorBoardFixtures.bytes("records.bin"))
        XCTAssertEqual(payloads.map(TFRecord.record).joined().map { $0 }, framed)
        XCTAssertEqual(try EventFileReader.records(framed), payloads)
    }

    func testLayout() {
        let record = TFRecord.record(Array("abc".utf8))
        XCTAssertEqual(record.count, 3 + TFRecord.overhead)
        XCTAssertEqual(Array(record[0 ..< 8]), [3, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(record[12 ..< 15]), Array("abc".utf8))
        let crc = CRC32C.masked(CRC32C.checksum(Array("abc".utf8)))
        XCTAssertEqual(Array(record[15...]), (0 ..< 4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) })
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index ..< next], radix: 16)!)
            index = next
        }
        return out
    }
}
