import Foundation
import StrataCore
import StrataTestSupport
import XCTest
import ZIPFoundation
@testable import StrataCommands
@testable import StrataKeras

/// Hostile Keras files (Fixtures/malformed, made by Tools/make-malformed-fixtures.py): links and storage
/// that leave the file, sizes the storage cannot back, zip members that lie, each refused with one
/// exact line, in this process and through the HDF5 worker alike.
final class HostileHDF5Tests: XCTestCase {
    static let root = FixtureRoot.repository
    static let malformed = root + "/Fixtures/malformed"

    var scratch: String!

    override func setUpWithError() throws {
        scratch = try makeScratchFolder(prefix: "strata-hostile-keras")
    }

    override func tearDownWithError() throws {
        HDF5Isolation.current = .inProcess
    }

    /// The built `strata` (the HDF5 worker is the binary itself), or skip.
    func workerBinary() throws -> String {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("strata").path,
            Bundle.main.bundleURL.appendingPathComponent("strata").path,
            Self.root + "/.build/debug/strata",
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no built strata binary next to the tests")
        }
        return found
    }

    func message(_ path: String, config: String? = nil) -> String? {
        do {
            _ = try ModelLoader.load(path, config: config)
            XCTFail("\(path) loaded")
            return nil
        } catch {
            return String(describing: error)
        }
    }

    /// Each case in this process and in a worker process: the same line.
    func assertBothWays(_ cases: [(String, String)], file: StaticString = #filePath, line: UInt = #line) throws {
        for isolation in [HDF5Isolation.inProcess, .worker(executable: try workerBinary())] {
            HDF5Isolation.current = isolation
            for (path, expected) in cases {
                XCTAssertEqual(message(path), "\(path): \(expected)", "\(isolation)", file: file, line: line)
            }
        }
    }

    func testLinksAndStorageThatLeaveTheFileAreRefused() throws {
        let m = Self.malformed
        let bias = "HDF5 path '/model_weights/probs/probs/bias:0'"
        try assertBothWays([
            ("\(m)/external-link.h5", "\(bias): is an external link to '../outside.h5:/k'; Strata reads only the model file"),
            ("\(m)/external-storage.h5",
             "\(bias): keeps its data in an external file ('/etc/hostname'); Strata reads only the model file"),
            ("\(m)/virtual-dataset.h5", "\(bias): is a virtual dataset (its data comes from 'outside.h5'); Strata reads only the model file"),
            ("\(m)/soft-link-out.h5",
             "\(bias): the soft link to '/escape/k' leads outside the file (HDF5 path '/escape': is an external link to "
                + "'../outside.h5:/'; Strata reads only the model file)"),
        ])
    }

    /// With the file the link names really there, it is still not followed.
    func testAnExternalLinkIsRefusedEvenWhenItsTargetExists() throws {
        let folder = scratch + "/model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.malformed + "/outside.h5", toPath: scratch + "/outside.h5")
        try FileManager.default.copyItem(atPath: Self.malformed + "/external-link.h5", toPath: folder + "/m.h5")
        XCTAssertEqual(message(folder + "/m.h5"),
                       "\(folder)/m.h5: HDF5 path '/model_weights/probs/probs/bias:0': is an external link to '../outside.h5:/k'; "
                       + "Strata reads only the model file")
    }

    func testDeclaredSizesBeyondTheStorageAreRefusedBeforeAllocating() throws {
        let m = Self.malformed
        try assertBothWays([
            ("\(m)/huge-chunked.h5", "HDF5 path '/model_weights/probs/probs/bias:0': the dataset declares [1099511627776] values "
                + "(4.0 TiB) but the file stores only 0 bytes for them (more than 1:200 compression)"),
            ("\(m)/huge-chunked-right-shape.h5", "HDF5 path '/model_weights/probs/probs/kernel:0': the dataset declares "
                + "[24, 1073741824] values (96.0 GiB) but the file stores only 0 bytes for them (more than 1:200 compression)"),
        ])
    }

    func testKerasConstructorChecksReachTheFile() throws {
        let m = Self.malformed
        try assertBothWays([
            ("\(m)/dropout-rate.h5", "node 'drop' (Dropout), option 'rate': must be between 0 and 1, found 2.0"),
            ("\(m)/same-stride-zero.keras", "node 'conv1' (Conv2D), option 'strides': values must be positive, found [0, 0]"),
        ])
    }

    func testArchiveMembersThatLieAreRefusedFast() throws {
        let m = Self.malformed
        let started = Date()
        try assertBothWays([
            ("\(m)/zip-bomb.keras", "archive member 'model.weights.h5' claims 67108864 bytes from 65232 compressed (more than 1:200); "
                + "refused as a decompression bomb"),
            ("\(m)/zip64-lie.keras", "archive member 'model.weights.h5' claims 1099511627776 bytes of data, more than the archive "
                + "holds (6980 bytes)"),
            ("\(m)/deflate-runs-off.keras", "archive member 'model.weights.h5' inflates to more than the 1000 bytes its header declares"),
            ("\(m)/bad-crc.keras", "archive member 'config.json' is corrupt (its CRC-32 does not match)"),
            ("\(m)/duplicate-member.keras", "the archive holds 'config.json' twice"),
        ])
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
    }

    /// A bomb whose header tells the truth about its ratio but lies about its size is stopped at the
    /// declared size, with only that much memory used.
    func testInflatingStopsAtTheDeclaredSize() throws {
        let path = scratch + "/lying.keras"
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        let zeros = Data(count: 1 << 20)
        try archive.addEntry(with: "model.weights.h5", type: .file, uncompressedSize: Int64(zeros.count), compressionMethod: .deflate) {
            position, size in zeros.subdata(in: Int(position) ..< Int(position) + size)
        }
        try patchCentralDirectorySize(path, member: "model.weights.h5", size: 4096)
        let reader = try KerasArchive(path: path)
        let member = try XCTUnwrap(reader.member("model.weights.h5"))
        XCTAssertThrowsError(try reader.data(member, limit: 1 << 20, what: "weights")) { error in
            XCTAssertEqual(String(describing: error),
                           "\(path): archive member 'model.weights.h5' inflates to more than the 4096 bytes its header declares")
        }
    }

    /// A deflate stream zlib rejects (found by fuzz-keras-zip, Fixtures/fuzz-regressions/keras-zip) is a
    /// located corrupt-archive error, not ZIPFoundation's bare `corruptedData`.
    func testADamagedDeflateStreamIsACorruptArchive() throws {
        let path = scratch + "/damaged.keras"
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        let text = Data(String(repeating: "conv dense relu kernel bias ", count: 200).utf8)
        try archive.addEntry(with: "config.json", type: .file, uncompressedSize: Int64(text.count), compressionMethod: .deflate) {
            position, size in text.subdata(in: Int(position) ..< Int(position) + size)
        }
        // The first byte of the member's data (after the 30-byte local header and its 11-byte name, no
        // extra field): final block of the reserved type 3, which zlib refuses.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(bytes[26] + bytes[28], 11)
        bytes[30 + 11] = 0x07
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try KerasArchive(path: path)
        let member = try XCTUnwrap(reader.member("config.json"))
        XCTAssertThrowsError(try reader.data(member, limit: 1 << 20, what: "a model config")) { error in
            XCTAssertEqual(String(describing: error), "\(path): archive member 'config.json' is corrupt (its deflate stream is damaged)")
        }
        let regression = Self.root + "/Fixtures/fuzz-regressions/keras-zip/damaged-deflate-stream.keras"
        XCTAssertEqual(message(regression), "\(regression): archive member 'model.weights.h5' is corrupt (its deflate stream is damaged)")
    }

    /// Sets the uncompressed size of `member` in the central directory (a 32-bit field at offset 24).
    func patchCentralDirectorySize(_ path: String, member: String, size: UInt32) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let name = Array(member.utf8)
        var i = bytes.count - 46
        while i >= 0 {
            if bytes[i ..< i + 4] == [0x50, 0x4B, 0x01, 0x02], Array(bytes[i + 46 ..< i + 46 + name.count]) == name { break }
            i -= 1
        }
        XCTAssertGreaterThanOrEqual(i, 0, "no central directory entry for \(member)")
        withUnsafeBytes(of: size.littleEndian) { for k in 0 ..< 4 { bytes[i + 24 + k] = $0[k] } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// What ZIPFoundation writes (stored and deflated, small and large), the importer's reader reads back.
    func testTheReaderReadsWhatZIPFoundationWrites() throws {
        let path = scratch + "/plain.zip"
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        var generator = SystemRandomNumberGenerator()
        let random = Data((0 ..< 300_000).map { _ in UInt8.random(in: 0 ... 255, using: &generator) })
        // Text that deflates about 3:1, as model configs do.
        let words = ["conv", "dense", "relu", "kernel", "bias", "units", "filters", "strides", "padding", "same"]
        let text = Data((0 ..< 40_000).map { _ in words.randomElement(using: &generator)! + "\(UInt8.random(in: 0 ... 99, using: &generator))" }
            .joined(separator: " ").utf8)
        let members: [(String, Data, CompressionMethod)] = [("a.bin", random, .none), ("b.txt", text, .deflate),
                                                            ("c.bin", random, .deflate), ("empty", Data(), .deflate)]
        for (name, data, method) in members {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: method) {
                position, size in data.subdata(in: Int(position) ..< Int(position) + size)
            }
        }
        let reader = try KerasArchive(path: path)
        for (name, data, _) in members {
            let member = try XCTUnwrap(reader.member(name), name)
            XCTAssertEqual(try reader.data(member, limit: 1 << 30, what: name), data, name)
        }
    }

    /// A worker that opens the file and then never answers (as libhdf5 looping on a corrupt structure the
    /// guard driver does not know would): the request ends after its time limit with one located error,
    /// and the worker is killed. The stand-in worker is a shell script speaking the first reply of the
    /// protocol (a 1-byte "ok" message after the 13-byte open request).
    func testAWorkerThatStopsAnsweringIsAnErrorAfterItsTimeLimit() throws {
        let script = scratch + "/silent-worker"
        try "#!/bin/sh\nhead -c 13 <&3 >/dev/null\nprintf '\\001\\000\\000\\000\\000' >&3\nexec sleep 60\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(script, 0o755), 0)
        let model = Self.root + "/Fixtures/keras/cnn.k2.h5"
        let fd = open(model, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var status = stat()
        XCTAssertEqual(fstat(fd, &status), 0)
        let started = Date()
        XCTAssertThrowsError(try HDF5WorkerClient(executable: script, descriptor: fd, fileSize: Int(status.st_size))) { error in
            XCTAssertEqual(String(describing: error), "the HDF5 library did not finish reading '/' within 5 s: the file is corrupt")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 15)
    }
}
