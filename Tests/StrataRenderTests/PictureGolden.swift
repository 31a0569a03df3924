import Foundation
import XCTest

/// Byte-exact picture goldens under `Tests/StrataRenderTests/Goldens/`. Set
/// `STRATA_RECORD_GOLDENS=1` to re-record: recording fails the test so that a recorded run never
/// passes silently; look at the new pictures, then run again without it. On a mismatch the
/// actual bytes are written next to the temporary directory's `strata-golden-<name>` for viewing.
enum PictureGolden {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Goldens"

    static func assertMatches(_ bytes: [UInt8], golden name: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = folder + "/" + name
        if ProcessInfo.processInfo.environment["STRATA_RECORD_GOLDENS"] == "1" {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                XCTFail("recorded golden \(name); look at it and run again without STRATA_RECORD_GOLDENS", file: file, line: line)
            } catch {
                XCTFail("cannot record golden \(name): \(error)", file: file, line: line)
            }
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            XCTFail("missing golden \(name); record it with STRATA_RECORD_GOLDENS=1", file: file, line: line)
            return
        }
        let expected = [UInt8](data)
        guard expected != bytes else { return }
        let actual = NSTemporaryDirectory() + "strata-golden-" + name
        try? Data(bytes).write(to: URL(fileURLWithPath: actual))
        let index = zip(expected, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expected.count, bytes.count)
        XCTFail("""
            \(name) differs from its golden at byte \(index) (golden \(expected.count) bytes, actual \(bytes.count)); \
            actual written to \(actual). Fonts or cairo differ? Tools/install-deps.sh installs libcairo2-dev and fonts-dejavu-core.
            """, file: file, line: line)
    }
}
