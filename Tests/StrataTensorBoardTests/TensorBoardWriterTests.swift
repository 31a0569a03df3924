import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataTensorBoard

final class TensorBoardWriterTests: XCTestCase {
    var scratch: String!

    override func setUpWithError() throws {
        scratch = try makeScratchFolder(prefix: "strata-tb")
    }

    /// The values of events.json written with the same wall times give, byte for byte, the file
    /// TensorBoard's own protobuf classes and RecordWriter made of them (events.bin).
    func testEventsEqualTensorBoards() throws {
        let spec = try TensorBoardFixtures.json("events.json")
        let begun = try XCTUnwrap((spec["file_version"] as? [String: Any])?["wall_time"] as? Double)
        let writer = try TensorBoardWriter(logDirectory: scratch, run: nil, clock: { begun })
        for item in try XCTUnwrap(spec["events"] as? [[String: Any]]) {
            let step = Int64(try XCTUnwrap(item["step"] as? Double))
            let time = try XCTUnwrap(item["wall_time"] as? Double)
            let value: TensorBoardValue
            if let scalar = item["scalar"] as? [String: Any] {
                value = try .scalar(scalar["tag"] as! String, scalar["value"] as! Double)
            } else if let image = item["image"] as? [String: Any] {
                let png = try TensorBoardFixtures.bytes(image["file"] as! String)
                value = try .image(image["tag"] as! String, TensorBoardImage(
                    png: png, width: Int(image["width"] as! Double), height: Int(image["height"] as! Double),
                    channels: Int(image["channels"] as! Double)))
            } else {
                let h = try XCTUnwrap(item["histogram"] as? [String: Any])
                value = try .histogram(h["tag"] as! String, TensorBoardHistogram(
                    min: h["min"] as! Double, max: h["max"] as! Double, num: h["num"] as! Double, sum: h["sum"] as! Double,
                    sumSquares: h["sum_squares"] as! Double, bucketLimits: h["bucket_limit"] as! [Double],
                    bucketCounts: h["bucket"] as! [Double]))
            }
            try writer.add(value, step: step, wallTime: time)
        }
        try writer.close()
        let path = try XCTUnwrap(writer.path)
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), try TensorBoardFixtures.bytes("events.bin"))
    }

    func testFileNameAndFirstEvent() throws {
        let writer = try TensorBoardWriter(logDirectory: scratch, run: "epochs/a", clock: { 1_700_000_123.75 })
        try writer.add(.scalar("s", 2), step: 5)
        try writer.close()
        let path = try XCTUnwrap(writer.path)
        let name = (path as NSString).lastPathComponent
        XCTAssertEqual(name, "events.out.tfevents.1700000123.\(TensorBoardWriter.hostName()).\(getpid()).strata")
        XCTAssertEqual((path as NSString).deletingLastPathComponent, scratch + "/epochs/a")
        let events = try EventFileReader.events(at: path)
        XCTAssertEqual(events, [
            .init(wallTime: 1_700_000_123.75, step: 0, fileVersion: "brain.Event:2"),
            .init(wallTime: 1_700_000_123.75, step: 5, fileVersion: nil, values: [.scalar(tag: "s", 2)]),
        ])
        XCTAssertEqual(TensorBoardWriter.fileName(seconds: 42, host: "h", pid: 7), "events.out.tfevents.0000000042.h.7.strata")
    }

    /// Each writer makes a new file, also within one second in one process.
    func testSecondWriterMakesAnotherFile() throws {
        var paths: [String] = []
        for value in [1.0, 2.0] {
            let writer = try TensorBoardWriter(logDirectory: scratch, run: nil, clock: { 1_000 })
            try writer.add(.scalar("s", value), step: 0)
            try writer.close()
            paths.append(try XCTUnwrap(writer.path))
        }
        XCTAssertEqual(paths[1], paths[0] + "-2")
        XCTAssertEqual(try EventFileReader.events(at: paths[1]).last?.values, [.scalar(tag: "s", 2)])
    }

    func testNothingCreatedBeforeTheFirstValue() throws {
        let log = scratch + "/new/logs"
        let writer = try TensorBoardWriter(logDirectory: log, run: "run1")
        try writer.flush()
        try writer.add([], step: 1)
        try writer.commit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/new"))
        try writer.add(.scalar("s", 1), step: 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/new"), "buffered values are not written before a flush")
        try writer.close()
        XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(writer.path)))
    }

    /// A run that fails before committing leaves no file and no folder it created.
    func testAbandonWithoutCommitRemovesEverything() throws {
        let log = scratch + "/new/logs"
        let writer = try TensorBoardWriter(logDirectory: log, run: "run1")
        try writer.add(.scalar("s", 1), step: 1)
        try writer.flush()
        let path = try XCTUnwrap(writer.path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        writer.abandon()
        XCTAssertNil(writer.path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/new"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), [])
    }

    /// Dropping a writer abandons it; what was committed stays, whole records only.
    func testAbandonKeepsCommittedSteps() throws {
        var path: String?
        do {
            let writer = try TensorBoardWriter(logDirectory: scratch, run: nil, clock: { 5 })
            try writer.add(.scalar("s", 1), step: 1)
            try writer.commit()
            try writer.add(.scalar("s", 2), step: 2)
            try writer.flush()
            path = writer.path
        }
        let events = try EventFileReader.events(at: try XCTUnwrap(path))
        XCTAssertEqual(events.map(\.step), [0, 1])
        XCTAssertEqual(events.last?.values, [.scalar(tag: "s", 1)])
    }

    func testWallTimesNeverGoBack() throws {
        var now = 100.0
        let writer = try TensorBoardWriter(logDirectory: scratch, run: nil, clock: { now })
        for step in 0 ..< 4 {
            try writer.add(.scalar("s", 1), step: Int64(step))
            now -= 10
        }
        try writer.close()
        let times = try EventFileReader.events(at: try XCTUnwrap(writer.path)).map(\.wallTime)
        XCTAssertEqual(times, [100, 100, 100, 100, 100])
    }

    func testLargeEventsAreFlushedAsTheyCome() throws {
        let png = try TensorBoardFixtures.bytes("tiny.png") + [UInt8](repeating: 0, count: 3 << 20)
        let image = try TensorBoardImage(png: png, width: 3, height: 2, channels: 3)
        let writer = try TensorBoardWriter(logDirectory: scratch, run: nil)
        for step in 0 ..< 3 { try writer.add(.image("big", image), step: Int64(step)) }
        let path = try XCTUnwrap(writer.path, "the buffer limit makes the writer write")
        try writer.close()
        let events = try EventFileReader.events(at: path)
        XCTAssertEqual(events.count, 4)
        XCTAssertEqual(events[3].values, [.image(tag: "big", png: png, width: 3, height: 2, channels: 3)])
    }

    func testBadArguments() throws {
        for run in ["", "/abs", "a/../b", "a//b", ".", "a/"] {
            XCTAssertThrowsError(try TensorBoardWriter(logDirectory: scratch, run: run), "run '\(run)'")
        }
        let file = scratch + "/file"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        XCTAssertThrowsError(try TensorBoardWriter(logDirectory: file)) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .unsafePath)
        }
        XCTAssertThrowsError(try TensorBoardValue.scalar("", 1))
        XCTAssertThrowsError(try TensorBoardValue.scalar("a\u{0}b", 1))
        let png = try TensorBoardFixtures.bytes("tiny.png")
        XCTAssertThrowsError(try TensorBoardImage(png: Array("GIF89a".utf8), width: 1, height: 1, channels: 3))
        XCTAssertThrowsError(try TensorBoardImage(png: png, width: 0, height: 2, channels: 3))
        XCTAssertThrowsError(try TensorBoardImage(png: png, width: 3, height: 2, channels: 5))
        XCTAssertThrowsError(try TensorBoardHistogram(min: 0, max: 1, num: 1, sum: 1, sumSquares: 1, bucketLimits: [1, 1], bucketCounts: [0, 1]))
        XCTAssertThrowsError(try TensorBoardHistogram(min: 0, max: 1, num: 1, sum: 1, sumSquares: 1, bucketLimits: [1], bucketCounts: [0, 1]))
        XCTAssertThrowsError(try TensorBoardHistogram(min: 2, max: 1, num: 1, sum: 1, sumSquares: 1, bucketLimits: [1], bucketCounts: [1]))
        XCTAssertThrowsError(try TensorBoardHistogram(min: 0, max: 1, num: 1, sum: .nan, sumSquares: 1, bucketLimits: [1], bucketCounts: [1]))
        let writer = try TensorBoardWriter(logDirectory: scratch)
        XCTAssertThrowsError(try writer.add(.scalar("s", 1), step: 0, wallTime: .infinity))
    }
}
