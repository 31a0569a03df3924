import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataONNX

/// Loading from a path reads the graph without the large `raw_data` payloads (`PayloadCut`) and
/// leaves the weights in the mapped file; it must give the same model as unpacking every byte.
final class PayloadCutTests: XCTestCase {
    var scratch: String!

    override func setUpWithError() throws {
        scratch = try makeScratchFolder(prefix: "strata-payload-cut")
    }

    /// A model whose initializers straddle the cut's threshold, at every alignment of their bytes in
    /// the file (names of 1 to 8 characters shift the payloads), plus 16-byte tensors (the marker's
    /// length) and a float64 one.
    func writeModel() throws -> String {
        var initializers: [String: Tensor] = [:]
        var nodes: [Node] = []
        var previous = "x"
        for (index, count) in [1000, 1023, 1024, 1025, 4, 3000, 70_000, 1030].enumerated() {
            let name = String(repeating: "w", count: index + 1)
            initializers[name] = Tensor((0 ..< count).map { Float($0 % 251) * 0.5 - Float(index) }, shape: [count])
            let output = "y\(index)"
            nodes.append(Node(name: "add\(index)", opType: "Add", inputs: [previous, name], outputs: [output]))
            previous = output
        }
        let doubles = try Tensor(dtype: .float64, shape: [600])
        for i in 0 ..< 600 { doubles.rawPointer.storeBytes(of: Double(i) / 7, toByteOffset: 8 * i, as: Double.self) }
        initializers["d"] = doubles
        nodes.append(Node(name: "cast", opType: "Cast", inputs: ["d"], outputs: ["dc"], attributes: ["to": .int(1)]))
        let graph = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x", type: ValueType(.float32, [1]))],
                          outputs: [ValueInfo(name: previous, type: ValueType(.float32, nil)), ValueInfo(name: "dc", type: ValueType(.float32, nil))],
                          initializers: initializers)
        let encoded = try ONNXExporter.encode(Model(graph: graph, format: .onnx, path: "m.onnx", layout: .nchw), options: ExportOptions())
        let path = scratch + "/m.onnx"
        try encoded.model.write(to: URL(fileURLWithPath: path))
        return path
    }

    func testTheMappedLoadEqualsTheWholeUnpack() throws {
        let path = try writeModel()
        let whole = try ONNXImporter.load(data: Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        let mapped = try ONNXImporter.load(path: path)
        XCTAssertEqual(Set(mapped.graph.initializers.keys), Set(whole.graph.initializers.keys))
        XCTAssertEqual(mapped.graph.initializers.count, 9)
        var unaligned = 0
        for (name, tensor) in whole.graph.initializers {
            let other = try XCTUnwrap(mapped.graph.initializers[name], name)
            XCTAssertEqual(other.shape, tensor.shape, name)
            XCTAssertEqual(other.dtype, tensor.dtype, name)
            XCTAssertEqual(Data(bytes: other.rawPointer, count: other.byteCount), Data(bytes: tensor.rawPointer, count: tensor.byteCount), name)
            XCTAssertEqual(Int(bitPattern: other.rawPointer) % other.dtype.byteSize, 0, "\(name) is aligned for its type once used")
            if tensor.byteCount >= PayloadCut.threshold { unaligned += 1 }
        }
        XCTAssertGreaterThanOrEqual(unaligned, 4, "the model has payloads above the threshold")
        XCTAssertEqual(mapped.graph.nodes.map(\.name), whole.graph.nodes.map(\.name))
    }

    func testOnlyLargeRawDataIsCutAndMarkersNeedTheNonce() throws {
        let path = try writeModel()
        let file = try MappedFile(path: path)
        let cut = try PayloadCut(file)
        // 70,000 and 3,000 floats, 1,025, 1,030 and 1,024 floats (4,100, 4,120, 4,096 bytes) and the
        // 600 doubles: six payloads of at least 4,096 bytes; 1,000 and 1,023 floats stay.
        XCTAssertEqual(cut.payloads.count, 6)
        XCTAssertTrue(cut.payloads.allSatisfy { $0.count >= PayloadCut.threshold })
        XCTAssertLessThan(cut.bytes.count, 20_000)
        let marker = withUnsafeBytes(of: cut.nonce.littleEndian) { Array($0) } + withUnsafeBytes(of: UInt64(2).littleEndian) { Array($0) }
        XCTAssertEqual(marker.withUnsafeBufferPointer { cut.payload(marker: $0.baseAddress, count: 16) }, cut.payloads[2])
        var forged = marker
        forged[0] ^= 1
        XCTAssertNil(forged.withUnsafeBufferPointer { cut.payload(marker: $0.baseAddress, count: 16) }, "a marker without this load's nonce")
        let outOfRange = withUnsafeBytes(of: cut.nonce.littleEndian) { Array($0) } + withUnsafeBytes(of: UInt64(99).littleEndian) { Array($0) }
        XCTAssertNil(outOfRange.withUnsafeBufferPointer { cut.payload(marker: $0.baseAddress, count: 16) })
    }

    func testTruncatedFilesAreCorruptAtEveryCut() throws {
        let path = try writeModel()
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let cutPath = scratch + "/cut.onnx"
        for size in [3, 100, whole.count / 3, whole.count / 2, whole.count - 4097, whole.count - 1] {
            try whole.prefix(size).write(to: URL(fileURLWithPath: cutPath))
            XCTAssertThrowsError(try ONNXImporter.load(path: cutPath), "cut at \(size)") { error in
                XCTAssertEqual((error as? StrataError)?.kind, .corruptFile, "cut at \(size): \(error)")
                XCTAssertEqual((error as? StrataError)?.location.file, cutPath)
            }
        }
    }

    func testDeepNestingThroughAFileIsRefused() throws {
        var fields: [UInt64] = [7, 11, 2]
        for _ in 0 ..< 100_000 { fields += [4, 1] }
        var headers: [[UInt8]] = []
        var inner = 0
        for number in fields.reversed() {
            let header = Self.varint(number << 3 | 2) + Self.varint(UInt64(inner))
            inner += header.count
            headers.append(header)
        }
        let path = scratch + "/deep.onnx"
        try Data(headers.reversed().flatMap { $0 }).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ONNXImporter.load(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path): messages nest more than 100 levels deep")
        }
    }

    private static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
        return out
    }
}
