import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataCommands
@testable import StrataKeras

/// The layer classes of the second importer helper against the committed Keras fixtures: every captured
/// activation equal to Keras' (through `KerasFixtureTests.compare`) and `model.summary()` parameter
/// counts, for Keras 2 and 3 `.h5`, `.keras` archives and weights + JSON.
final class RecurrentLayerTests: XCTestCase {
    /// Fixture families covering SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed, Embedding, the
    /// attention layers, EinsumDense, Dot, RepeatVector, GroupNormalization and UnitNormalization.
    static let families = ["simple_rnn", "lstm", "gru", "bidirectional", "embedding", "attention", "multi_head_attention",
                           "einsum_dense", "dot_repeat", "normalization_extra"]

    /// `KerasFixtureTests`' comparison helpers; their assertions are recorded on the running test.
    static func fixtureHelper() -> KerasFixtureTests {
        KerasFixtureTests(name: "helper", testClosure: { _ in })
    }

    func testActivationsMatchKeras() throws {
        let fixtures = Self.fixtureHelper()
        for family in Self.families {
            let files = KerasFixtureTests.files(family)
            XCTAssertGreaterThanOrEqual(files.count, 6, "fixtures of \(family)")
            for (path, config) in files {
                XCTAssertGreaterThan(try fixtures.compare(path, config: config), 0, path)
            }
        }
    }

    /// Masks from Masking and Embedding(mask_zero) reaching LSTM, GRU, SimpleRNN (go_backwards) and
    /// Bidirectional without being named in the config (Keras 2 files).
    func testImplicitMasksMatchKeras() throws {
        let fixtures = Self.fixtureHelper()
        let files = KerasFixtureTests.files("masking").filter { $0.path.contains(".k2") }
        XCTAssertEqual(files.count, 3)
        for (path, config) in files {
            XCTAssertGreaterThan(try fixtures.compare(path, config: config), 5, path)
        }
    }

    func testParameterCountsMatchKeras() throws {
        let fixtures = Self.fixtureHelper()
        for family in Self.families {
            for (path, config) in KerasFixtureTests.files(family) {
                let model = try ModelLoader.load(path, config: config)
                let summary = try XCTUnwrap(try fixtures.index(path)["summary"] as? [String: Any])
                let rows = model.sourceLayers
                XCTAssertFalse(rows.isEmpty, "\(path): no source layers")
                let totals = SourceLayer.totals(rows)
                XCTAssertEqual(totals.trainable, summary["trainable"] as? Int, "\(path): trainable")
                XCTAssertEqual(totals.nonTrainable, summary["non_trainable"] as? Int, "\(path): non-trainable")
            }
        }
    }

    /// A recurrent activation Strata cannot express is refused with the option named, not approximated.
    func testUnsupportedRecurrentActivationIsAnError() throws {
        let folder = URL(fileURLWithPath: try makeScratchFolder(prefix: "strata-recurrent"))
        let source = try String(contentsOfFile: KerasFixtureTests.fixtures + "/simple_rnn.k3w.json", encoding: .utf8)
        XCTAssertTrue(source.contains("\"activation\": \"relu\""))
        let edited = source.replacingOccurrences(of: "\"activation\": \"relu\"", with: "\"activation\": \"gelu\"")
        let config = folder.appendingPathComponent("model.json").path
        try edited.write(toFile: config, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ModelLoader.load(KerasFixtureTests.fixtures + "/simple_rnn.k3w.weights.h5", config: config)) { error in
            XCTAssertTrue("\(error)".contains("activation 'gelu' is not supported inside a recurrent layer"), "\(error)")
        }
    }
}
