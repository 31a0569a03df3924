import Foundation
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataCommands

/// Shared set-up for command tests: fixture paths, a scratch folder (StrataTestSupport), in-process runs.
class CommandTestCase: XCTestCase {
    static let root = FixtureRoot.repository
    static let tinyCNN = root + "/Fixtures/onnx/tiny-cnn.onnx"
    static let tinyReference = root + "/Fixtures/onnx/tiny-cnn.reference"
    static let tinyInput = tinyReference + "/inputs/input.npy"
    static let hostile = root + "/Fixtures/onnx/hostile-names.onnx"

    var scratch: String!

    override func setUpWithError() throws {
        scratch = try makeScratchFolder(prefix: "strata-cli")
    }

    /// Parses `arguments` as the `strata` command line and runs the subcommand in process.
    @discardableResult
    func strata(_ arguments: [String]) throws -> Console {
        let console = Console.capture()
        let command = try StrataCommand.parseAsRoot(arguments)
        guard let subcommand = command as? any StrataSubcommand else {
            XCTFail("\(arguments) did not parse to a subcommand")
            return console
        }
        try subcommand.executeReportingStrataErrors(on: console)
        return console
    }

    /// The one-line description of the StrataError `arguments` fail with.
    func strataError(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            try strata(arguments)
            XCTFail("\(arguments) succeeded", file: file, line: line)
            return nil
        } catch let error as StrataError {
            return error.description
        } catch {
            XCTFail("\(arguments) threw \(error)", file: file, line: line)
            return nil
        }
    }

    func manifest(in folder: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func folderContents(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
