import Foundation
import StrataCore
import StrataExport
import StrataTestSupport
import XCTest

/// The files `Tools/make-analysis-fixtures.py` and `Tools/keras/make-kernel-fixtures.py` write.
enum AnalysisFixtures {
    static let root = FixtureRoot.repository
    static let folder = FixtureRoot.path("analysis")

    static func json(_ name: String) throws -> JSONValue {
        try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)), file: name)
    }

    static func array(_ name: String) throws -> Tensor {
        try NPYFile.read(folder + "/" + name + ".npy")
    }

    /// The cases of `expected.json`, by name.
    static func cases() throws -> [(name: String, expected: JSONValue)] {
        try json("expected.json").members!.map { ($0.0, $0.1) }
    }

    static func layout(_ expected: JSONValue) -> ActivationLayout {
        ActivationLayout(rawValue: expected["layout"]!.string!)!
    }

    static func doubles(_ value: JSONValue?) -> [Double] {
        (value?.array ?? []).map { item in
            switch item {
            case .string("Infinity"): return .infinity
            case .string("-Infinity"): return -.infinity
            default: return item.double!
            }
        }
    }

    static func ints(_ value: JSONValue?) -> [Int] { (value?.array ?? []).map { $0.int! } }
}
