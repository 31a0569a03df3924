import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataCommands

/// Hostile inputs and outputs through the built binary, as users meet them: one `strata: error:` line
/// last on standard error, exit code 1 (64 for a bad flag value), and nothing written.
final class HostileFileTests: BinaryTestCase {
    static let malformed = root + "/Fixtures/malformed"
    static let kerasCNN = root + "/Fixtures/keras/cnn.k2.h5"

    /// The last line of standard error, which must be the only `strata: error:` line.
    func failure(_ arguments: [String], status: Int32 = 1, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try launch(arguments)
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        if status == 1 {
            XCTAssertEqual(lines.filter { $0.hasPrefix("strata: error:") }.count, 1, result.stderr, file: file, line: line)
        }
        return lines.last ?? ""
    }

    // MARK: Outputs

    func testConvertRefusesToOverwriteItsInput() throws {
        let model = scratch + "/model.h5"
        try FileManager.default.copyItem(atPath: Self.kerasCNN, toPath: model)
        let before = try Data(contentsOf: URL(fileURLWithPath: model))
        XCTAssertEqual(try failure(["convert", model, model]),
                       "strata: error: \(model): is the input '\(model)'; Strata does not overwrite what it reads")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: model)), before)
        // Another name for the same file is the same file.
        let link = scratch + "/alias.h5"
        XCTAssertEqual(link.withCString { l in model.withCString { symlink($0, l) } }, 0)
        XCTAssertEqual(try failure(["convert", model, link]),
                       "strata: error: \(link): is the input '\(model)'; Strata does not overwrite what it reads")
        XCTAssertEqual(folderContents(scratch), ["alias.h5", "model.h5"])
    }

    func testOutputsAreWrittenOnlyAsRegularFiles() throws {
        let fifo = scratch + "/out.onnx"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(try failure(["convert", Self.tinyCNN, fifo]),
                       "strata: error: \(fifo): is a FIFO, not a regular file; outputs are written only as regular files")
        // A device node of its own (the null device, made here): a broken build replacing it harms nothing.
        let device = scratch + "/null.onnx"
        if mknod(device, S_IFCHR | 0o600, dev_t(1 << 8 | 3)) == 0 {  // makedev(1, 3)
            XCTAssertEqual(try failure(["convert", Self.tinyCNN, device]),
                           "strata: error: \(device): is a device, not a regular file; outputs are written only as regular files")
            var info = stat()
            XCTAssertEqual(stat(device, &info), 0)
            XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR, "the device node is still a device")
            unlink(device)
        }
        let folder = scratch + "/folder.dot"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        XCTAssertEqual(try failure(["diagram", Self.tinyCNN, "-o", folder]),
                       "strata: error: \(folder): is a directory, not a file; outputs are written only as regular files")
        let dotFifo = scratch + "/d.svg"
        XCTAssertEqual(mkfifo(dotFifo, 0o600), 0)
        XCTAssertEqual(try failure(["diagram", Self.tinyCNN, "-o", dotFifo]),
                       "strata: error: \(dotFifo): is a FIFO, not a regular file; outputs are written only as regular files")
        XCTAssertEqual(try failure(["diagram", Self.tinyCNN, "-o", Self.tinyCNN.replacingOccurrences(of: ".onnx", with: ".onnx")]),
                       "strata: error: \(Self.tinyCNN): is the input '\(Self.tinyCNN)'; Strata does not overwrite what it reads")
        XCTAssertEqual(folderContents(scratch), ["d.svg", "folder.dot", "out.onnx"])
    }

    // MARK: Inputs

    func testAModelThatIsAFIFOIsRefusedWithoutBlocking() throws {
        for name in ["model.onnx", "model.h5", "model.keras", "model"] {
            let fifo = scratch + "/" + name
            XCTAssertEqual(mkfifo(fifo, 0o600), 0)
            XCTAssertEqual(try failure(["inspect", fifo]), "strata: error: \(fifo): is a FIFO, not a regular file")
        }
        let input = scratch + "/input.npy"
        XCTAssertEqual(mkfifo(input, 0o600), 0)
        XCTAssertEqual(try failure(["run", Self.tinyCNN, "--input", input, "--out", scratch + "/acts"]),
                       "strata: error: \(input): is a FIFO, not a regular file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/acts"))
    }

    // MARK: HDF5 isolation

    /// Bit-flipped Keras fixtures on which libhdf5 1.10 itself crashes (reading a global heap object out
    /// of bounds) or loops (walking a free-space object of size 0): the guard driver refuses their global
    /// heap collections before libhdf5 walks them, at once.
    func testCorruptGlobalHeapCollectionsAreRefusedBeforeLibhdf5ReadsThem() throws {
        let crash = Self.malformed + "/hdf5-crash.h5"
        XCTAssertEqual(try failure(["inspect", crash]),
                       "strata: error: \(crash): HDF5 path '/', attribute 'keras_version': attribute cannot be read: global heap object 2 "
                       + "at byte 40 of its collection declares 274877906954 bytes, which runs past the collection (collection at byte 2048)")
        let hang = Self.malformed + "/hdf5-hang.keras"
        let started = Date()
        XCTAssertEqual(try failure(["inspect", hang]),
                       "strata: error: \(hang)/model.weights.h5: HDF5 path '/layers/batch_normalization/vars', attribute 'name': "
                       + "attribute cannot be read: global heap object 0 at byte 256 of its collection declares 0 bytes, which is smaller "
                       + "than its own header (collection at byte 1928)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 4, "refused before the worker's 5 s limit")
    }

    /// A file on which libhdf5 still faults past the guard (found by the hdf5 fuzzing harness): the
    /// worker's death is an error in the importing process.
    func testALibhdf5CrashInTheWorkerBecomesAnError() throws {
        let crash = Self.root + "/Fixtures/fuzz-regressions/hdf5/libhdf5-global-heap-segv.h5"
        XCTAssertEqual(try failure(["inspect", crash]),
                       "strata: error: \(crash): the HDF5 library failed reading '/model_weights/mha_cross': the file is corrupt")
    }

    // MARK: Limits and usage

    func testThreadCountsBeyondFourTimesTheCoresAreUsageErrors() throws {
        let result = try launch(["bench", Self.tinyCNN, "--threads", "100000"])
        XCTAssertEqual(result.status, 64)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        XCTAssertTrue(result.stderr.contains("--threads must be at most \(4 * cores) (4 × the \(cores) core"), result.stderr)
        XCTAssertTrue(result.stderr.contains("Usage: strata bench"), result.stderr)
        XCTAssertEqual(try launch(["run", Self.tinyCNN, "--threads", "0", "--out", scratch + "/x"]).status, 64)
    }

    func testMaxMemoryIsParsedAndEnforced() throws {
        let bad = try launch(["inspect", Self.tinyCNN, "--max-memory", "lots"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("The value 'lots' is invalid for '--max-memory <size>'"), bad.stderr)
        XCTAssertEqual(try launch(["inspect", Self.tinyCNN, "--max-memory", "0"]).status, 64)
        // The input (24 KiB) fits; the first activation (64 KiB) does not.
        XCTAssertEqual(try failure(["run", Self.tinyCNN, "--input", Self.tinyInput, "--all", "--out", scratch + "/acts", "--max-memory", "30K"]),
                       "strata: error: \(Self.tinyCNN): node 'conv1' (Conv): float32[2, 8, 32, 32] needs 64.0 KiB, more than the memory "
                       + "limit of 30.0 KiB (--max-memory changes the limit)")
        XCTAssertEqual(try failure(["run", Self.tinyCNN, "--input", Self.tinyInput, "--all", "--out", scratch + "/acts", "--max-memory", "2K"]),
                       "strata: error: \(Self.tinyInput): float32[2, 3, 32, 32] needs 24.0 KiB, more than the memory limit of 2.0 KiB "
                       + "(--max-memory changes the limit)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/acts"))
        XCTAssertEqual(try launch(["run", Self.tinyCNN, "--input", Self.tinyInput, "--all", "--out", scratch + "/ok", "--max-memory", "64M"]).status, 0)
    }

    /// An input declared far larger than memory (in a file written here) is an error at that input,
    /// not a write out of bounds (float32[2^63 − 1]) or a wrap to zero elements ([2^62, 4]).
    func testBenchRefusesInputsLargerThanMemory() throws {
        for (dims, expected) in [("9223372036854775807", "float32[9223372036854775807] needs more than 8 EiB, more than any memory limit"),
                                 ("4611686018427387904, 4", "float32[4611686018427387904, 4] has more elements than a 64-bit size can count"),
                                 ("1099511627776", "float32[1099511627776] needs 4.0 TiB, more than the memory limit of")] {
            let path = scratch + "/big.onnx"
            try Self.identityModel(dims: dims.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }, to: path)
            let line = try failure(["bench", path, "--runs", "1", "--warmup", "0"])
            XCTAssertTrue(line.hasPrefix("strata: error: \(path): graph input 'x': \(expected)"), line)
        }
    }
}

import StrataONNX

extension HostileFileTests {
    /// An ONNX file with one Identity node whose input is declared float32 of `dims`.
    static func identityModel(dims: [Int], to path: String) throws {
        try ONNXExporter.write(OneNode.model("Identity", inputType: ValueType(.float32, dims.dims), path: path), to: path)
    }
}
