import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataExport

final class CaptureWriterTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = try makeScratchFolder(prefix: "strata-capture")
    }

    func contents(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func testCommitMovesFilesInAndWritesTheManifestLast() throws {
        let destination = folder + "/a/b/acts"
        let writer = try CaptureWriter(destination: destination, model: "m.onnx", format: .onnx)
        try writer.write(Tensor([1, 2] as [Float], shape: [2]), for: LayerOutput(layer: "x/y", op: "Relu", output: 0, tensor: "t"))
        try writer.write(Tensor([3] as [Float], shape: [1]), for: LayerOutput(layer: "split", op: "Split", output: 1, tensor: "s1"))
        try writer.write(Tensor([4] as [Float], shape: [1]), for: LayerOutput(layer: "MANIFEST", op: "Relu", output: 0, tensor: "m"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination))
        try writer.commit()
        XCTAssertEqual(contents(destination), ["MANIFEST.npy", "manifest.json", "split__out1.npy", "x_y.npy"])
        XCTAssertEqual(contents(folder + "/a/b"), ["acts"], "staging folder left behind")
        XCTAssertEqual(try NPYFile.read(destination + "/x_y.npy").floats(), [1, 2])
        XCTAssertEqual(writer.manifest.activations.map(\.file), ["x_y.npy", "split__out1.npy", "MANIFEST.npy"])
    }

    func testLowBitTensorRowNamesItsHeldDType() throws {
        let writer = try CaptureWriter(destination: folder + "/acts", model: "m.onnx", format: .onnx)
        let q = try Tensor(dtype: .int4, shape: [2])
        q.rawPointer.storeBytes(of: Int8(0), toByteOffset: 0, as: Int8.self)
        q.rawPointer.storeBytes(of: Int8(-8), toByteOffset: 1, as: Int8.self)
        let row = try writer.write(q, for: LayerOutput(layer: "q", op: "QuantizeLinear", output: 0, tensor: "q"))
        try writer.write(Tensor([1] as [Float], shape: [1]), for: LayerOutput(layer: "f", op: "Relu", output: 0, tensor: "f"))
        try writer.commit()
        XCTAssertEqual(row.dtype, .int8)
        XCTAssertEqual(try NPYFile.read(folder + "/acts/q.npy").ints(), [0, -8])
        let rows = try XCTUnwrap(writer.manifest.json["activations"]?.array)
        XCTAssertEqual(rows.map { $0["dtype"]?.string }, ["int8", "float32"])
        XCTAssertEqual(rows.map { $0["held_dtype"]?.string }, ["int4", nil])
    }

    func testAbandonLeavesNothingBehind() throws {
        let writer = try CaptureWriter(destination: folder + "/new/parent/acts", model: "m.onnx", format: .onnx)
        try writer.write(Tensor([1] as [Float], shape: [1]), for: LayerOutput(layer: "a", op: "Relu", output: 0, tensor: "t"))
        writer.abandon()
        XCTAssertEqual(contents(folder), [])
    }

    func testExistingFilesOfOtherNamesAreKept() throws {
        let destination = folder + "/acts"
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: destination + "/notes.txt"))
        let writer = try CaptureWriter(destination: destination, model: "m.onnx", format: .onnx)
        try writer.write(Tensor([1] as [Float], shape: [1]), for: LayerOutput(layer: "a", op: "Relu", output: 0, tensor: "t"))
        try writer.commit()
        XCTAssertEqual(contents(destination), ["a.npy", "manifest.json", "notes.txt"])
    }

    func testAFileInTheWayIsAnError() throws {
        let destination = folder + "/file"
        try Data().write(to: URL(fileURLWithPath: destination))
        XCTAssertThrowsError(try CaptureWriter(destination: destination, model: "m.onnx", format: .onnx)) { error in
            XCTAssertEqual((error as? StrataError)?.description, "\(destination): output path exists and is not a folder")
        }
    }
}
