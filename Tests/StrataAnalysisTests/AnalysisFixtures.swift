import Foundation
import StrataCore
import StrataExport
import XCTest

/// The files `Tools/make-analysis-fixtures.py` and `Tools/keras/make-kernel-fixtures.py` write.
enum AnalysisFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let folder = root + "/Fixtures/analysis"

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

/// A seeded generator (SplitMix64), the same sequence on every machine.
struct SeededRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// `|a − b| ≤ rtol · |b|` (with NaN equal to NaN).
func assertClose(_ a: Double?, _ b: Double?, rtol: Double, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    guard let a, let b else {
        XCTAssertEqual(a == nil, b == nil, "one of \(String(describing: a)), \(String(describing: b)) is nil: \(message())", file: file, line: line)
        return
    }
    if a.isNaN || b.isNaN {
        XCTAssertTrue(a.isNaN && b.isNaN, "\(a) vs \(b): \(message())", file: file, line: line)
        return
    }
    XCTAssertLessThanOrEqual(abs(a - b), rtol * abs(b), "\(a) vs \(b): \(message())", file: file, line: line)
}
