import Foundation
import XCTest

/// Golden files: a test's output compared byte for byte with a committed file. Set
/// `STRATA_RECORD_GOLDENS=1` to re-record: recording writes the file and fails the test, so that a
/// recorded run never passes silently; review the diff, then run again without it.
public enum Golden {
    /// The environment variable that asks for re-recording.
    public static let recordVariable = "STRATA_RECORD_GOLDENS"

    /// Asserts that `text` is the golden file at `path`; a mismatch names the first differing line.
    public static func assertMatches(_ text: String, golden path: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let expected = expectedBytes(Array(text.utf8), path, file: file, line: line) else { return }
        let golden = String(decoding: expected, as: UTF8.self)
        guard golden != text else { return }
        let a = golden.components(separatedBy: "\n"), b = text.components(separatedBy: "\n")
        let index = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        XCTFail("""
            \(name(path)) differs from its golden at line \(index + 1):
              golden: \(index < a.count ? a[index] : "<end>")
              actual: \(index < b.count ? b[index] : "<end>")
            """, file: file, line: line)
    }

    /// Asserts that `bytes` are the golden file at `path`; a mismatch names the first differing byte,
    /// writes the actual bytes to the temporary directory's `strata-golden-<name>` for viewing, and
    /// adds `hint` to the message.
    public static func assertMatches(_ bytes: [UInt8], golden path: String, hint: String = "",
                                     file: StaticString = #filePath, line: UInt = #line) {
        guard let expected = expectedBytes(bytes, path, file: file, line: line), expected != bytes else { return }
        let actual = NSTemporaryDirectory() + "strata-golden-" + name(path)
        try? Data(bytes).write(to: URL(fileURLWithPath: actual))
        let index = zip(expected, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expected.count, bytes.count)
        XCTFail("\(name(path)) differs from its golden at byte \(index) (golden \(expected.count) bytes, actual \(bytes.count)); "
                + "actual written to \(actual)." + (hint.isEmpty ? "" : " " + hint), file: file, line: line)
    }

    /// The golden's bytes, or nil after recording `actual` (a failure) or when the golden is missing (a failure).
    private static func expectedBytes(_ actual: [UInt8], _ path: String, file: StaticString, line: UInt) -> [UInt8]? {
        if ProcessInfo.processInfo.environment[recordVariable] == "1" {
            do {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(actual).write(to: URL(fileURLWithPath: path))
                XCTFail("recorded golden \(name(path)); review the diff and run again without \(recordVariable)", file: file, line: line)
            } catch {
                XCTFail("cannot record golden \(name(path)): \(error)", file: file, line: line)
            }
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            XCTFail("missing golden \(name(path)); record it with \(recordVariable)=1", file: file, line: line)
            return nil
        }
        return [UInt8](data)
    }

    private static func name(_ path: String) -> String { (path as NSString).lastPathComponent }
}
