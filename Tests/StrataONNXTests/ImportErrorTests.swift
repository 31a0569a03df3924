import Foundation
import StrataCore
import StrataONNX
import StrataTestSupport
import XCTest

/// Files the importer must refuse, with their exact one-line messages.
final class ImportErrorTests: XCTestCase {
    private func assertLoadError(_ relative: String, _ kind: StrataError.Kind, _ message: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
        let path = Fixtures.path(relative)
        assertError(kind, "\(path): \(message)", file: file, line: line) { try ONNXImporter.load(path: path) }
    }

    func testUnsupportedOpsAndDomains() {
        assertLoadError("unknown-op.onnx", .unsupported, "node 'mystery' (FooBar): unsupported op 'FooBar'")
        assertLoadError("other-domain.onnx", .unsupported,
                        "node 'fused' (FusedGemm): op 'FusedGemm' of domain 'com.microsoft' is not supported")
        assertLoadError("errors/old-opset.onnx", .unsupported, "ai.onnx opset 6 is not supported (supported: 7...28)")
        assertLoadError("errors/ir-version.onnx", .unsupported, "ONNX IR version 2 is not supported (supported: 3...14)")
    }

    func testMissingInitializer() {
        assertLoadError("missing-initializer.onnx", .invalidModel,
                        "node 'add' (Add): input 'B' is not produced by any node, graph input or initializer")
    }

    func testBadTensors() {
        assertLoadError("errors/raw-length.onnx", .corruptFile,
                        "initializer 'w': raw_data has 12 bytes but float32[2, 2] needs 16")
        assertLoadError("errors/typed-length.onnx", .corruptFile,
                        "initializer 'w': int64_data has 2 values but int64[3] needs 3")
        assertLoadError("errors/negative-dim.onnx", .corruptFile, "initializer 'w': negative dimension in dims [2, -1]")
        assertLoadError("errors/huge-dims.onnx", .corruptFile,
                        "initializer 'w': dims [1099511627776, 1099511627776, 1099511627776] are too large")
        assertLoadError("errors/huge-raw.onnx", .corruptFile,
                        "initializer 'w': raw_data has 4 bytes but float32[1099511627776] needs 4398046511104")
        assertLoadError("errors/string-tensor.onnx", .unsupported, "initializer 'w': string tensors are not supported")
        assertLoadError("errors/float8-tensor.onnx", .unsupported,
                        "initializer 'w': element type FLOAT8E8M0 is not supported")
    }

    func testUnsupportedAttributes() {
        assertLoadError("errors/deep-subgraphs.onnx", .invalidModel,
                        "node 'if16' (If), attribute 'else_branch': subgraphs nest more than 16 levels deep")
        assertLoadError("errors/body-dangling.onnx", .invalidModel,
                        "node 'n' (If): input 'nowhere' is not produced by any node, graph input or initializer")
        assertLoadError("errors/ref-attribute.onnx", .unsupported,
                        "node 'n' (Identity), attribute 'alpha': references to function attributes ('outer_alpha') are not supported")
        assertLoadError("errors/invalid-utf8.onnx", .corruptFile,
                        "node 'n' (Identity), attribute 'label': the string is not valid UTF-8")
        assertLoadError("errors/constant-string.onnx", .unsupported,
                        "node 'n' (Constant), attribute 'value_string': string and sparse constants are not supported")
    }

    func testSequenceAndOptionalTypesStrataDoesNotRepresent() {
        assertLoadError("errors/sequence-of-sequences.onnx", .unsupported,
                        "graph input 'x': a sequence of seq(float32[?]) is not supported (sequences of tensors are)")
        assertLoadError("errors/optional-of-optional.onnx", .unsupported,
                        "graph input 'x': an optional of optional(float32[?]) is not supported (optional tensors and sequences are)")
        assertLoadError("errors/deep-type.onnx", .unsupported, "graph input 'x': the type nests sequences and optionals more than 2 deep")
    }

    func testMalformedGraphs() {
        assertLoadError("errors/arity.onnx", .invalidModel, "node 'n' (Identity): expected 1 input, found 2")
        assertLoadError("errors/duplicate-attribute.onnx", .invalidModel,
                        "node 'n' (Identity), attribute 'a': the attribute is given twice")
        assertLoadError("errors/no-graph.onnx", .corruptFile, "not an ONNX model (the graph is missing)")
        assertLoadError("errors/no-opset.onnx", .invalidModel, "node 'n' (Identity): the model does not import the ai.onnx opset")
        assertLoadError("errors/untyped-input.onnx", .invalidModel, "graph input 'x': the type is missing")
        assertLoadError("errors/duplicate-initializer.onnx", .invalidModel, "initializer 'w': the name is used twice")
        assertLoadError("errors/sparse-initializer.onnx", .unsupported, "sparse initializers are not supported")
        assertLoadError("errors/segment.onnx", .unsupported, "initializer 'w': segmented tensors are not supported")
    }

    func testExternalDataMustStayInTheModelFolder() {
        assertLoadError("external/escape-parent.onnx", .unsafePath,
                        "initializer 'w': external data location '../outside.bin' leaves the model's folder")
        assertLoadError("external/escape-deep.onnx", .unsafePath,
                        "initializer 'w': external data location 'sub/../../outside.bin' leaves the model's folder")
        assertLoadError("external/escape-absolute.onnx", .unsafePath,
                        "initializer 'w': external data location '/etc/passwd' is an absolute path")
        assertLoadError("external/escape-symlink.onnx", .unsafePath,
                        "initializer 'w': external data location 'link.bin' resolves outside the model's folder")
    }

    func testBadExternalData() {
        assertLoadError("external/missing-file.onnx", .io, "initializer 'w': external data file 'nothere.bin': not found")
        assertLoadError("external/packed.onnx", .unsupported, "initializer 'w': external data of int4 tensors is not supported")
        assertLoadError("external/short-file.onnx", .corruptFile,
                        "initializer 'w': external data file 'weights.bin' has 64 bytes, too few for float32[4] at offset 56")
        assertLoadError("external/bad-length.onnx", .corruptFile,
                        "initializer 'w': external data length is 12 bytes but float32[4] needs 16")
    }

    func testMissingFileAndFolder() {
        let missing = Fixtures.path("no-such-model.onnx")
        assertError(.io, "\(missing): file not found") { try ONNXImporter.load(path: missing) }
        let folder = Fixtures.path("external")
        assertError(.io, "\(folder): is a directory, not a file") { try ONNXImporter.load(path: folder) }
    }

    func testEmptyRandomAndTruncatedBytes() throws {
        assertError(.corruptFile, "empty.onnx: the file is empty") { try ONNXImporter.load(data: Data(), path: "empty.onnx") }

        let corrupt = "not a valid ONNX file (the protobuf data is truncated or corrupt)"
        var generator = SeededGenerator(seed: 7)
        for size in [1, 2, 3, 16, 1000, 65536] {
            let bytes = Data((0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            do {
                _ = try ONNXImporter.load(data: bytes, path: "random.onnx")
                XCTFail("random bytes of size \(size) loaded")
            } catch let error as StrataError {
                XCTAssertEqual(error.kind, .corruptFile, "size \(size): \(error)")
                XCTAssertEqual(error.location.file, "random.onnx")
            }
        }
        let random = Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        assertError(.corruptFile, "random.onnx: \(corrupt)") { try ONNXImporter.load(data: random, path: "random.onnx") }

        let whole = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny-cnn.onnx")))
        for cut in [whole.count / 2, whole.count - 1, 3] {
            assertError(.corruptFile, "cut.onnx: \(corrupt)") { try ONNXImporter.load(data: whole.prefix(cut), path: "cut.onnx") }
        }
    }

    func testDeepNestingIsRefusedWithoutRecursing() {
        // ModelProto.graph → GraphProto.input → ValueInfoProto.type → TypeProto, then
        // TypeProto.sequence_type → Sequence.elem_type → TypeProto ... 100 000 times, deep enough
        // to overflow the stack of a recursive parser.
        var fields: [UInt64] = [7, 11, 2]
        for _ in 0..<100_000 { fields += [4, 1] }
        assertError(.corruptFile, "deep.onnx: messages nest more than 100 levels deep") {
            try ONNXImporter.load(data: Data(nested(fields)), path: "deep.onnx")
        }
    }

    /// Length-delimited protobuf fields, each holding the next, the last one empty.
    private func nested(_ fields: [UInt64]) -> [UInt8] {
        var headers: [[UInt8]] = []
        var inner = 0
        for number in fields.reversed() {
            let header = varint(number << 3 | 2) + varint(UInt64(inner))
            inner += header.count
            headers.append(header)
        }
        return headers.reversed().flatMap { $0 }
    }

    private func varint(_ value: UInt64) -> [UInt8] {
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
