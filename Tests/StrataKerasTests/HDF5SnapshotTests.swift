import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataKeras

/// The HDF5 worker's snapshot (every metadata answer given in one reply) and datasets used in place
/// from the mapped file: both must answer exactly what libhdf5 answers one request at a time.
final class HDF5SnapshotTests: XCTestCase {
    static let keras = FixtureRoot.repository + "/Fixtures/keras"
    /// Keras 2 and 3 layouts, nested models, recurrent and attention weights, mixed precision.
    static let files = ["application_blocks.k2.h5", "application_blocks.k3w.weights.h5", "nested.k3w.weights.h5",
                        "attention.k2.h5", "bidirectional.k2w.h5", "mixed_precision.k2w.h5"]

    func testTheSnapshotAnswersWhatTheReaderAnswers() throws {
        for name in Self.files {
            let path = Self.keras + "/" + name
            let (fd, size) = try InputFile.open(path)
            defer { close(fd) }
            let reader = try HDF5Reader(descriptor: fd, fileSize: size)
            var reply = WireMessage()
            HDF5Worker.snapshot(reader, into: &reply)
            let snapshot = try HDF5Snapshot(&reply)

            var questions: [WireMessage] = []
            func ask(_ operation: HDF5Operation, _ strings: String...) {
                var request = WireMessage()
                request.append(operation.rawValue)
                for s in strings { request.append(s) }
                questions.append(request)
            }
            var groups = ["/"], datasets: [String] = []
            while let group = groups.popLast() {
                ask(.children, group)
                ask(.exists, group + "/missing")
                ask(.hasAttribute, group, "weight_names0")
                for child in try reader.children(group) {
                    let full = (group == "/" ? "" : group) + "/" + child
                    ask(.kind, full)
                    XCTAssertNil(snapshot.exists(full), "\(name): \(full) exists; its cached answer must be used")
                    switch try reader.kind(full) {
                    case .group: groups.append(full)
                    case .dataset: datasets.append(full)
                    default: break
                    }
                }
            }
            for path in datasets { ask(.datasetInfo, path) }
            for path in ["/", "/model_weights", "/layers"] {
                for attribute in reader.attributeNames(path) ?? [] { ask(.strings, path, attribute) }
            }
            XCTAssertGreaterThan(datasets.count, 0, name)

            var answered = 0
            for question in questions {
                var opened: HDF5Reader? = reader
                let direct = HDF5Worker.reply(to: question, descriptor: nil, reader: &opened)
                if let cached = snapshot.replies[question.bytes] {
                    XCTAssertEqual(cached.bytes, direct.bytes, "\(name): \(question.bytes)")
                    answered += 1
                }
            }
            // Everything but the questions about absent links and attributes, which `exists` and
            // `hasAttribute` answer from the complete lists instead.
            XCTAssertEqual(answered, questions.count - 2 * (questions.filter { $0.bytes.first == HDF5Operation.children.rawValue }.count),
                           name)
            for group in ["/", "/model_weights", "/layers"] where try reader.exists(group) || group == "/" {
                XCTAssertEqual(snapshot.exists(group + "/missing"), false, name)
                XCTAssertEqual(snapshot.hasAttribute(group, "weight_names0"), try reader.hasAttribute(group, "weight_names0"), name)
                for attribute in reader.attributeNames(group) ?? [] {
                    XCTAssertEqual(snapshot.hasAttribute(group, attribute), true, "\(name) \(group) \(attribute)")
                }
            }
        }
    }

    /// Float32 and int64 datasets stored as memory holds them come from the mapped file, with the
    /// values libhdf5 reads; others (`stored-unusually.h5`: a float16 kernel, chunked and deflated, a
    /// big-endian bias) are read and converted by libhdf5.
    func testDatasetsUsedInPlaceHoldWhatLibhdf5Reads() throws {
        var inPlace = 0, converted = 0
        let unusual = FixtureRoot.repository + "/Fixtures/malformed/stored-unusually.h5"
        for path in Self.files.map({ Self.keras + "/" + $0 }) + [Self.keras + "/normalization_extra.k2.h5", unusual] {
            let name = (path as NSString).lastPathComponent
            let file = try HDF5File(path: path)
            let (fd, size) = try InputFile.open(path)
            defer { close(fd) }
            let reader = try HDF5Reader(descriptor: fd, fileSize: size)
            var groups = ["/"]
            while let group = groups.popLast() {
                for child in try reader.children(group) {
                    let full = (group == "/" ? "" : group) + "/" + child
                    switch try reader.kind(full) {
                    case .group: groups.append(full)
                    case .dataset:
                        let info = try file.datasetInfo(full)
                        let mapped = try file.dataset(full, info: info)
                        let read = try reader.tensor(full, info: info)
                        XCTAssertEqual(mapped.shape, read.shape, "\(name) \(full)")
                        XCTAssertEqual(Data(bytes: mapped.rawPointer, count: info.byteCount),
                                       Data(bytes: read.rawPointer, count: info.byteCount), "\(name) \(full)")
                        if info.fileOffset != nil { inPlace += 1 } else { converted += 1 }
                    default: break
                    }
                }
            }
        }
        XCTAssertGreaterThan(inPlace, 50)
        XCTAssertEqual(converted, 2)
    }
}
