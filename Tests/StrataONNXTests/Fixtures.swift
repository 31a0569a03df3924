import Foundation
import StrataCore
import StrataONNX
import StrataTestSupport
import XCTest

/// The committed fixtures of `Fixtures/onnx/` (written by `Tools/make-onnx-fixtures.py`) and the
/// expectations the script stored next to them.
enum Fixtures {
    static let folder = URL(fileURLWithPath: FixtureRoot.path("onnx"))

    static func path(_ relative: String) -> String { folder.appendingPathComponent(relative).path }

    static func load(_ relative: String) throws -> Model { try ONNXImporter.load(path: path(relative)) }

    /// One tensor as `expected.json` describes it: values are exact decimal text.
    struct ExpectedTensor: Decodable {
        let dtype: String
        let shape: [Int]
        let values: [String]
    }

    /// `expected.json`: model file → tensor name → expectation.
    static let expected: [String: [String: ExpectedTensor]] = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("expected.json"))
        return try! JSONDecoder().decode([String: [String: ExpectedTensor]].self, from: data)
    }()
}

/// Checks dtype, shape and every element of `tensor` exactly.
func assertTensor(_ tensor: Tensor?, equals expected: Fixtures.ExpectedTensor?, _ name: String,
                  file: StaticString = #filePath, line: UInt = #line) {
    guard let tensor, let expected else {
        XCTFail("\(name): missing tensor or expectation", file: file, line: line)
        return
    }
    XCTAssertEqual(tensor.dtype.rawValue, expected.dtype, "\(name) dtype", file: file, line: line)
    XCTAssertEqual(tensor.shape, expected.shape, "\(name) shape", file: file, line: line)
    guard tensor.count == expected.values.count else {
        XCTFail("\(name): \(tensor.count) elements, expected \(expected.values.count)", file: file, line: line)
        return
    }
    for (i, text) in expected.values.enumerated() {
        let actual: String
        switch tensor.dtype {
        case .float32, .float64, .float16, .bfloat16, .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1:
            XCTAssertEqual(tensor.doubleValue(at: i), Double(text), "\(name)[\(i)]", file: file, line: line)
            continue
        case .uint64: actual = String(tensor.pointer(as: UInt64.self)[i])
        default: actual = String(tensor.intValue(at: i))
        }
        XCTAssertEqual(actual, text, "\(name)[\(i)]", file: file, line: line)
    }
}

/// Asserts that `body` throws a `StrataError` of `kind` whose one-line description is `description`.
func assertError<T>(_ kind: StrataError.Kind, _ description: String, file: StaticString = #filePath, line: UInt = #line,
                    _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected error: \(description)", file: file, line: line)
    } catch let error as StrataError {
        XCTAssertEqual(String(describing: error), description, file: file, line: line)
        XCTAssertEqual(error.kind, kind, file: file, line: line)
    } catch {
        XCTFail("not a StrataError: \(error)", file: file, line: line)
    }
}
