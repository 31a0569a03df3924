import Foundation
import StrataCore
import XCTest
@testable import StrataCommands
@testable import StrataKeras

/// The attention layers against the committed Keras fixtures (axes, gates, windows, grouped heads,
/// implicit and keyword masks, in every file kind), and their refusals word for word.
final class AttentionLayerTests: XCTestCase {
    static let families = ["attention_axes", "attention_masks", "attention_explicit_masks"]

    func testActivationsMatchKeras() throws {
        let fixtures = RecurrentLayerTests.fixtureHelper()
        for family in Self.families {
            let files = KerasFixtureTests.files(family)
            XCTAssertEqual(files.count, 6, "fixtures of \(family)")
            for (path, config) in files {
                XCTAssertGreaterThan(try fixtures.compare(path, config: config), 8, path)
            }
        }
    }

    /// A Keras 2 functional model: input `q` `[N, 4, 6]`, then `layer` called on `q` with `call` as the
    /// inbound entry's keyword arguments (`{"value": ["q", 0, 0]}`).
    func message(layer: String, call: String) -> String? {
        let config = """
            {"class_name": "Functional", "config": {"name": "m", "layers": [
              {"class_name": "InputLayer", "name": "q", "config": {"name": "q", "batch_input_shape": [null, 4, 6], "dtype": "float32"},
               "inbound_nodes": []},
              \(layer.dropLast()), "inbound_nodes": [[["q", 0, 0, \(call)]]]}],
             "input_layers": [["q", 0, 0]], "output_layers": [["a", 0, 0]]}}
            """
        do {
            _ = try KerasImporter.build(configText: config, file: "m.json", format: .kerasH5, kerasVersion: "2.21.0", backend: nil,
                                        store: { _ in EmptyWeightStore() })
            XCTFail("\(layer) lowered")
            return nil
        } catch {
            return String(describing: error)
        }
    }

    func testRefusalsNameTheLayerAndOption() {
        XCTAssertEqual(
            message(layer: #"{"class_name": "MultiHeadAttention", "name": "a", "config": {"name": "a", "num_heads": 2, "key_dim": 3, "attention_axes": [3]}}"#,
                    call: #"{"value": ["q", 0, 0]}"#),
            "m.json: node 'a' (MultiHeadAttention), option 'attention_axes': [3] are not distinct axes of the projected rank-4 [batch, …, heads, channels] tensor other than channels")
        XCTAssertEqual(
            message(layer: #"{"class_name": "GroupedQueryAttention", "name": "a", "config": {"name": "a", "head_dim": 2, "num_query_heads": 3, "num_key_value_heads": 2}}"#,
                    call: #"{"value": ["q", 0, 0]}"#),
            "m.json: node 'a' (GroupedQueryAttention), option 'num_key_value_heads': 2 does not divide num_query_heads 3")
        XCTAssertEqual(
            message(layer: #"{"class_name": "Attention", "name": "a", "config": {"name": "a"}}"#,
                    call: #"{"value": ["q", 0, 0], "mask": ["q", 0, 0]}"#),
            "m.json: node 'a' (Attention): the mask argument must be a list [query_mask, value_mask]")
        XCTAssertEqual(
            message(layer: #"{"class_name": "ConvertToTensor", "name": "a", "config": {"name": "a", "sparse": true}}"#, call: "{}"),
            "m.json: node 'a' (ConvertToTensor), option 'sparse': sparse tensors are not supported")
        XCTAssertEqual(
            message(layer: #"{"class_name": "ConvertToTensor", "name": "a", "config": {"name": "a", "dtype": "string"}}"#, call: "{}"),
            "m.json: node 'a' (ConvertToTensor), option 'dtype': 'string' is not float32, int32, int64 or bool")
    }
}
