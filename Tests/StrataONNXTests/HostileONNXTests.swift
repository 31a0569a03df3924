import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataONNX

/// ONNX files that name what must not be read (a FIFO, a device) or declare sizes that must not be
/// allocated get one clear error, without blocking or trapping.
final class HostileONNXTests: XCTestCase {
    var scratch: String!

    override func setUpWithError() throws {
        scratch = try makeScratchFolder(prefix: "strata-hostile-onnx")
    }

    func loadError(_ path: String) -> String? {
        do {
            _ = try ONNXImporter.load(path: path)
            XCTFail("\(path) loaded")
            return nil
        } catch {
            return String(describing: error)
        }
    }

    /// `external/good.onnx` reads its weights from `weights.bin`; here that name is a FIFO with no
    /// writer, which a plain open would wait on forever.
    func testExternalDataFromAFIFOIsRefusedWithoutBlocking() throws {
        let model = scratch + "/good.onnx"
        try FileManager.default.copyItem(atPath: Fixtures.path("external/good.onnx"), toPath: model)
        XCTAssertEqual(mkfifo(scratch + "/weights.bin", 0o600), 0)
        let started = Date()
        XCTAssertEqual(loadError(model), "\(model): initializer 'ext_aligned': external data file 'weights.bin': is a FIFO, not a regular file")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testExternalDataFromAFolderOrDeviceIsRefused() throws {
        let model = scratch + "/good.onnx"
        try FileManager.default.copyItem(atPath: Fixtures.path("external/good.onnx"), toPath: model)
        try FileManager.default.createDirectory(atPath: scratch + "/weights.bin", withIntermediateDirectories: false)
        XCTAssertEqual(loadError(model), "\(model): initializer 'ext_aligned': external data file 'weights.bin': is a directory, not a file")
    }

    func testTheModelItselfMustBeARegularFile() throws {
        let fifo = scratch + "/model.onnx"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(loadError(fifo), "\(fifo): is a FIFO, not a regular file")
        XCTAssertEqual(loadError("/dev/zero"), "/dev/zero: is a device, not a regular file")
    }

    /// Negative dims in graph inputs and value_info mean "unknown" (as onnxruntime reads them, and
    /// paddle2onnx writes -1); in tensor data they are refused (see ImportErrorTests).
    func testNegativeInputDimsAreUnknown() throws {
        let encoded = try ONNXExporter.encode(OneNode.model("Identity", inputType: ValueType(.float32, [.known(-1), 3]), path: "m.onnx"))
        let back = try ONNXImporter.load(data: encoded.model, path: scratch + "/m.onnx")
        XCTAssertEqual(back.graph.inputs[0].type.shape, [.symbol("?"), .known(3)])
    }

    /// Found by fuzzing (Fixtures/fuzz-regressions/onnx): a tag whose varint runs past the end of the
    /// nested message it starts in (graph of length 1, then `82 01` and a length) made the depth check
    /// compute a negative remaining length, a trap in a checked build.
    func testAVarintRunningPastItsMessageIsCorrupt() throws {
        // ir_version 8; graph (field 7) of length 1 holding 0x82, whose continuation 0x01 lies outside it.
        let bytes: [UInt8] = [0x08, 0x08, 0x3A, 0x01, 0x82, 0x01, 0x00]
        XCTAssertThrowsError(try ONNXImporter.load(data: Data(bytes), path: "varint.onnx")) { error in
            XCTAssertEqual(String(describing: error), "varint.onnx: not a valid ONNX file (the protobuf data is truncated or corrupt)")
        }
    }
}
