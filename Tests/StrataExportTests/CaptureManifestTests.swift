import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataExport

final class CaptureManifestTests: XCTestCase {
    func testManifestLayout() throws {
        let manifest = CaptureManifest(
            model: "m.onnx", format: .onnx,
            inputs: [.init(name: "x", file: "in/x.npy", shape: [1, 3], dtype: .float32)],
            activations: [
                .init(layer: LayerOutput(layer: "conv \"1\"", op: "Conv", output: 0, tensor: "t0"),
                      file: "conv__1_.npy", shape: [1, 8], dtype: .float32),
                .init(layer: LayerOutput(layer: "dense", op: "Gemm", call: 1, output: 2, tensor: "t\u{1}"),
                      file: "dense.npy", shape: [], dtype: .int64),
            ])
        XCTAssertEqual(manifest.json.rendered(), """
            {
              "model": "m.onnx",
              "format": "onnx",
              "inputs": [
                {
                  "name": "x",
                  "file": "in/x.npy",
                  "shape": [1, 3],
                  "dtype": "float32"
                }
              ],
              "activations": [
                {
                  "layer": "conv \\"1\\"",
                  "op": "Conv",
                  "output": 0,
                  "tensor": "t0",
                  "file": "conv__1_.npy",
                  "shape": [1, 8],
                  "dtype": "float32"
                },
                {
                  "layer": "dense",
                  "op": "Gemm",
                  "call": 1,
                  "output": 2,
                  "tensor": "t\\u0001",
                  "file": "dense.npy",
                  "shape": [],
                  "dtype": "int64"
                }
              ]
            }
            """)
        // The text is valid JSON with the same content.
        let folder = try makeScratchFolder(prefix: "strata-manifest")
        try manifest.write(toFolder: folder)
        let parsed = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as? [String: Any]
        let acts = parsed?["activations"] as? [[String: Any]]
        XCTAssertEqual(acts?.first?["layer"] as? String, "conv \"1\"")
        XCTAssertEqual(acts?.last?["tensor"] as? String, "t\u{1}")
    }

    func testCompactRendering() {
        let value = JSONValue.object([("a", .array([.int(1), .double(0.5), .double(.nan)])), ("b", .object([])), ("c", .bool(true))])
        XCTAssertEqual(value.rendered(pretty: false), #"{"a":[1,0.5,null],"b":{},"c":true}"#)
    }
}
