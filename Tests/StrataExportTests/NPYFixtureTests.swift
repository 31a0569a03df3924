import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataExport

/// Strata's `.npy` bytes against files written by `numpy.save` (`Tools/make-npy-fixtures.py`).
final class NPYFixtureTests: XCTestCase {
    static let folder = FixtureRoot.path("npy")

    func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + name + ".npy")))
    }

    /// The arrays of `Tools/make-npy-fixtures.py`, rebuilt from the same formulas.
    static func expectedTensors() throws -> [String: Tensor] {
        func raw<T>(_ dtype: DType, _ values: [T], _ shape: [Int]) throws -> Tensor {
            let t = try Tensor(dtype: dtype, shape: shape)
            values.withUnsafeBytes { t.rawPointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return t
        }
        return [
            "float32_2x3": Tensor((0..<6).map { Float($0) * 0.5 - 1 }, shape: [2, 3]),
            "float64_scalar": try raw(.float64, [3.25 as Double], []),
            "float16_5": try raw(.float16, (0..<5).map { Float16(Float($0) * 0.25) }, [5]),
            "int8_4": try raw(.int8, [-128, -1, 0, 127] as [Int8], [4]),
            "int16_3": try raw(.int16, [-32768, 7, 32767] as [Int16], [3]),
            "int32_2x2": Tensor([-5, 6, 7, -8] as [Int32], shape: [2, 2]),
            "int64_1x2x3": Tensor((0..<6).map { Int64($0) - 3 }, shape: [1, 2, 3]),
            "uint8_3": try raw(.uint8, [0, 128, 255] as [UInt8], [3]),
            "uint16_2": try raw(.uint16, [1, 65535] as [UInt16], [2]),
            "uint32_2": try raw(.uint32, [1, 4_294_967_295] as [UInt32], [2]),
            "uint64_2": try raw(.uint64, [1, UInt64.max] as [UInt64], [2]),
            "bool_2x2": Tensor([true, false, false, true], shape: [2, 2]),
            "float32_0x3": try Tensor(dtype: .float32, shape: [0, 3]),
            "float32_full_pad_block": try Tensor(dtype: .float32, shape: Array(repeating: 1, count: 13) + [100], zeroed: true),
            "float32_long_dims": try Tensor(dtype: .float32, shape: Array(repeating: 1, count: 20) + [2], zeroed: true),
        ]
    }

    func bytes(of tensor: Tensor) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: tensor.rawPointer, count: tensor.byteCount))
    }

    func testEncodingMatchesNumpyByteForByte() throws {
        for (name, tensor) in try Self.expectedTensors() {
            XCTAssertEqual(try NPYFile.encode(tensor), try fixture(name), name)
        }
    }

    func testDecodingNumpyFilesGivesTheSameTensors() throws {
        for (name, expected) in try Self.expectedTensors() {
            let file = try fixture(name)
            let tensor = try file.withUnsafeBytes { try NPYFile.decode($0, file: name) }
            XCTAssertEqual(tensor.dtype, expected.dtype, name)
            XCTAssertEqual(tensor.shape, expected.shape, name)
            XCTAssertEqual(bytes(of: tensor), bytes(of: expected), name)
        }
    }

    func testBigEndianFilesAreSwappedToNative() throws {
        let f = try NPYFile.read(Self.folder + "/bigendian_float32_2x3.npy")
        XCTAssertEqual(f.dtype, .float32)
        XCTAssertEqual(f.shape, [2, 3])
        XCTAssertEqual(f.floats(), [-1, -0.5, 0, 0.5, 1, 1.5])
        let i = try NPYFile.read(Self.folder + "/bigendian_int64_3.npy")
        XCTAssertEqual(i.dtype, .int64)
        XCTAssertEqual(i.ints(), [-2, 0, 300])
    }

    func testFortranOrderFilesAreTransposedToCOrder() throws {
        let f = try NPYFile.read(Self.folder + "/fortran_float32_2x3.npy")
        XCTAssertEqual(f.shape, [2, 3])
        XCTAssertEqual(f.floats(), [-1, -0.5, 0, 0.5, 1, 1.5])
        let i = try NPYFile.read(Self.folder + "/fortran_int32_2x3x4.npy")
        XCTAssertEqual(i.dtype, .int32)
        XCTAssertEqual(i.shape, [2, 3, 4])
        XCTAssertEqual(i.ints(), Array(0..<24))
    }
}
