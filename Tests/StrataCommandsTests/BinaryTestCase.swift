import Foundation
import XCTest

/// Set-up for tests that run the built `strata` executable, as users do.
class BinaryTestCase: CommandTestCase {
    var binary: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("strata").path,
            Bundle.main.bundleURL.appendingPathComponent("strata").path,
            Self.root + "/.build/debug/strata",
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no built strata binary next to the tests (\(candidates))")
        }
        binary = found
    }

    func launch(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
