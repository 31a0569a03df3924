import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataExport

final class NPYFileTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = try makeScratchFolder(prefix: "strata-npy")
    }

    func decodeError(_ bytes: [UInt8], file: String = "x.npy") -> StrataError? {
        do {
            _ = try bytes.withUnsafeBytes { try NPYFile.decode($0, file: file) }
            return nil
        } catch {
            return error as? StrataError
        }
    }

    func testWriteThenReadRoundTripsEveryDType() throws {
        var rng = SystemRandomNumberGenerator()
        for dtype in DType.allCases where NPYDescriptor.storedDType(dtype) == dtype {
            let t = try Tensor(dtype: dtype, shape: [3, 2, 5])
            let raw = t.rawPointer.assumingMemoryBound(to: UInt8.self)
            for i in 0..<t.byteCount { raw[i] = dtype == .bool ? UInt8.random(in: 0...1, using: &rng) : UInt8.random(in: 0...255, using: &rng) }
            let path = folder + "/\(dtype).npy"
            try NPYFile.write(t, to: path)
            let back = try NPYFile.read(path)
            XCTAssertEqual(back.dtype, dtype)
            XCTAssertEqual(back.shape, [3, 2, 5])
            XCTAssertEqual(memcmp(back.rawPointer, t.rawPointer, t.byteCount), 0, "\(dtype)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertFalse(names.contains { $0.hasPrefix(".") }, "temporary files left behind: \(names)")
    }

    func testLowBitTypesAreWrittenWidenedAndNarrowedBack() throws {
        for dtype in DType.allCases where dtype.isLowBit {
            let format = LowBitFloat(dtype)
            let patterns: [UInt8]
            switch dtype {
            case .float8e4m3fn: patterns = (0...255).map(UInt8.init).filter { $0 & 0x7F != 0x7F }
            case .float8e5m2: patterns = (0...255).map(UInt8.init).filter { $0 & 0x7F <= 0x7C }
            case .float4e2m1, .uint4: patterns = (0...15).map(UInt8.init)
            case .int4: patterns = (-8...7).map { UInt8(bitPattern: Int8($0)) }
            case .int2: patterns = (-2...1).map { UInt8(bitPattern: Int8($0)) }
            default: patterns = (0...3).map(UInt8.init)
            }
            let t = try Tensor(dtype: dtype, shape: [patterns.count])
            for (i, p) in patterns.enumerated() { t.rawPointer.storeBytes(of: p, toByteOffset: i, as: UInt8.self) }
            let bytes = try NPYFile.encode(t)
            let back = try bytes.withUnsafeBytes { try NPYFile.decode($0, file: "\(dtype).npy") }
            XCTAssertEqual(back.dtype, format == nil ? (dtype.isSigned ? .int8 : .uint8) : .float32, "\(dtype)")
            XCTAssertEqual(back.floats(), t.floats(), "\(dtype)")
            let narrowed = try NPYFile.lowBit(dtype, from: back, "\(dtype).npy")
            XCTAssertEqual(Array(UnsafeRawBufferPointer(start: narrowed.rawPointer, count: narrowed.byteCount)), patterns, "\(dtype)")
        }
        let outside = Tensor([Int32(8)], shape: [1])
        XCTAssertThrowsError(try NPYFile.lowBit(.int4, from: outside, "x.npy")) { error in
            XCTAssertEqual((error as? StrataError)?.message, "x.npy is int32; int4 data is given as int8")
        }
        let big = try Tensor(dtype: .uint8, shape: [2], zeroed: true)
        big.rawPointer.storeBytes(of: UInt8(4), toByteOffset: 1, as: UInt8.self)
        XCTAssertThrowsError(try NPYFile.lowBit(.uint2, from: big, "y.npy")) { error in
            XCTAssertEqual((error as? StrataError)?.message, "y.npy: element 1 is 4, outside uint2's range 0...3")
        }
    }

    func testBFloat16IsWrittenAsExactFloat32() throws {
        let t = try Tensor(dtype: .bfloat16, shape: [3])
        let p = t.rawPointer.assumingMemoryBound(to: UInt16.self)
        let values: [Float] = [1.5, -2.25, 3.0e38]
        for (i, v) in values.enumerated() { p[i] = UInt16(v.bitPattern >> 16) }
        let bytes = try NPYFile.encode(t)
        XCTAssertEqual(String(decoding: bytes[10..<25], as: UTF8.self), "{'descr': '<f4'")
        let back = try bytes.withUnsafeBytes { try NPYFile.decode($0, file: "b.npy") }
        XCTAssertEqual(back.dtype, .float32)
        XCTAssertEqual(back.floats(), values.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) })
    }

    func testHugeHeaderUsesFormatTwo() throws {
        let shape = Array(repeating: 1, count: 23_000)
        let t = try Tensor(dtype: .int16, shape: shape, zeroed: true)
        let bytes = try NPYFile.encode(t)
        XCTAssertEqual(bytes[6], 2)
        let length = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        XCTAssertGreaterThan(length, 65535)
        XCTAssertEqual((12 + length) % 64, 0)
        XCTAssertEqual(bytes.count, 12 + length + 2)
        let back = try bytes.withUnsafeBytes { try NPYFile.decode($0, file: "big.npy") }
        XCTAssertEqual(back.shape, shape)
    }

    func testDataAlwaysStartsOnA64ByteBoundary() throws {
        for rank in 0..<30 {
            let t = try Tensor(dtype: .uint8, shape: (0..<rank).map { $0 % 3 + 1 }, zeroed: true)
            XCTAssertEqual(NPYFile.header(for: t).encoded().count % 64, 0, "rank \(rank)")
        }
    }

    func testTruncatedDataIsACorruptFileNamingIt() throws {
        var bytes = try NPYFile.encode(Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]))
        bytes.removeLast(3)
        let error = try XCTUnwrap(decodeError(bytes, file: "acts/x.npy"))
        XCTAssertEqual(error.kind, .corruptFile)
        XCTAssertEqual(
            error.description,
            "acts/x.npy: truncated .npy file: shape [2, 2] of float32 needs more than the 13 data bytes present")
    }

    func testTruncatedHeaderAndBadMagic() throws {
        let full = try NPYFile.encode(Tensor([1] as [Float], shape: [1]))
        XCTAssertEqual(decodeError(Array(full.prefix(40)))?.description,
                       "x.npy: not a valid .npy file: truncated header (118 bytes announced, 30 present)")
        XCTAssertEqual(decodeError(Array("PK\u{3}\u{4} not numpy".utf8))?.description,
                       "x.npy: not a valid .npy file: missing the \\x93NUMPY signature")
        XCTAssertEqual(decodeError([])?.kind, .corruptFile)
        XCTAssertEqual(decodeError(Array(full.prefix(9)))?.kind, .corruptFile)
    }

    func testGarbledHeadersAreCorruptNotCrashes() throws {
        func file(_ dictionary: String) -> [UInt8] {
            let text = Array(dictionary.utf8) + [0x0A]
            return NPYHeader.magic + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text
        }
        let cases = [
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
            "{'descr': '<f4', 'fortran_order': False}",
            "{'descr': '<f4', 'shape': (1,)}",
            "{'descr: '<f4'}",
            "[1, 2]",
            String(repeating: "(", count: 500),
            "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 9223372036854775807), }",
        ]
        for text in cases {
            let error = decodeError(file(text))
            XCTAssertEqual(error?.kind, .corruptFile, text)
        }
        XCTAssertEqual(
            decodeError(file("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"))?.description,
            "x.npy: NumPy dtype '<c8' is not supported")
        XCTAssertEqual(
            decodeError(file("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"))?.description,
            "x.npy: structured arrays are not supported")
    }

    /// A zero dim next to dims whose product overflows must not make the shape "empty" (it would have
    /// decoded to zero elements and succeeded); negative dims are not sizes.
    func testShapesThatOverflowOrGoNegativeAreRefused() {
        func file(_ dictionary: String) -> [UInt8] {
            let text = Array(dictionary.utf8) + [0x0A]
            return NPYHeader.magic + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text
        }
        XCTAssertEqual(
            decodeError(file("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4611686018427387904, 4611686018427387904), }"))?.description,
            "x.npy: not a valid .npy file: shape [0, 4611686018427387904, 4611686018427387904] has more elements than a 64-bit size can count")
        XCTAssertEqual(
            decodeError(file("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -1), }"))?.description,
            "x.npy: not a valid .npy file: shape is not a tuple of sizes")
    }

    func testAFIFOIsRefusedWithoutBlocking() throws {
        let fifo = folder + "/pipe.npy"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertThrowsError(try NPYFile.read(fifo)) { error in
            XCTAssertEqual(String(describing: error), "\(fifo): is a FIFO, not a regular file")
        }
    }

    func testTrailingBytesAreRefused() throws {
        let bytes = try NPYFile.encode(Tensor([1, 2] as [Float], shape: [2])) + [0, 0, 0, 0]
        XCTAssertEqual(decodeError(bytes)?.description, "x.npy: not a valid .npy file: 4 unexpected bytes after the array data")
    }

    func testMissingFileIsAnIOErrorNamingIt() {
        XCTAssertThrowsError(try NPYFile.read(folder + "/nope.npy")) { error in
            let e = error as? StrataError
            XCTAssertEqual(e?.kind, .io)
            XCTAssertEqual(e?.location.file, folder + "/nope.npy")
        }
    }

    func testWritingIntoAMissingFolderFailsCleanly() {
        XCTAssertThrowsError(try NPYFile.write(Tensor([1] as [Float], shape: [1]), to: folder + "/no/such/x.npy")) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .io)
        }
    }
}

final class BFloat16ConversionTests: XCTestCase {
    func testNarrowingRoundsToNearestEvenAndKeepsSpecials() throws {
        let values: [UInt32] = [
            0x3FC0_0000,  // 1.5: exact
            0x3F80_8000,  // halfway between 1.0 and the next bfloat16: rounds to even (down)
            0x3F81_8000,  // halfway, odd below: rounds up
            0x3F80_8001,  // just above halfway: up
            0x7F80_0000,  // +inf
            0xFF80_0000,  // -inf
            0x7FC0_0001,  // NaN
        ]
        let input = Tensor(values.map { Float(bitPattern: $0) }, shape: [values.count])
        let out = try NPYFile.bfloat16(fromFloat32: input)
        XCTAssertEqual(Array(out.buffer(as: UInt16.self)), [0x3FC0, 0x3F80, 0x3F82, 0x3F81, 0x7F80, 0xFF80, 0x7FC0])
        XCTAssertEqual(try NPYFile.bfloat16(fromFloat32: try NPYFile.storedForm(out)).floats().dropLast(), out.floats().dropLast())
    }
}
