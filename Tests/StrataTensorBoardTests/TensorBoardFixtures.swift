import Foundation
import StrataCore
import StrataTestSupport
import XCTest

/// The fixtures of Tools/make-tensorboard-fixtures.py (Fixtures/tensorboard/).
enum TensorBoardFixtures {
    static let folder = FixtureRoot.path("tensorboard")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
    }

    /// A JSON fixture as Foundation objects, every number a `Double`, parsed by StrataCore's parser:
    /// Foundation's on Linux does not always round numbers to the nearest double.
    static func json(_ name: String) throws -> [String: Any] {
        func plain(_ value: JSONValue) -> Any {
            switch value {
            case .null: return NSNull()
            case .bool(let b): return b
            case .int(let i): return Double(i)
            case .double(let d): return d
            case .string(let s): return s
            case .array(let items): return items.map(plain)
            case .object(let members): return Dictionary(members.map { ($0.0, plain($0.1)) }, uniquingKeysWith: { $1 })
            }
        }
        return try XCTUnwrap(plain(try JSONValue.parse(Data(bytes(name)))) as? [String: Any])
    }
}
