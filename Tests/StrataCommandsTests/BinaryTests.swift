import Foundation
import XCTest

/// Runs the built `strata` executable, as users do.
final class BinaryTests: BinaryTestCase {
    func testErrorsAreOneLineWithExitCodeOne() throws {
        let result = try launch(["run", Self.tinyCNN, "--input", Self.tinyInput, "--layer", "conv3", "--out", scratch + "/x"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr, "strata: error: \(Self.tinyCNN): no layer or tensor named 'conv3'; closest: conv1, conv2, bn1\n")
    }

    func testUsageErrorsUseTheParsersExitCode() throws {
        let result = try launch(["run", Self.tinyCNN])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("--out"), result.stderr)
    }

    func testRunWritesFilesAndProgressStaysOffStdout() throws {
        let out = scratch + "/acts"
        let result = try launch(["run", Self.tinyCNN, "--input", Self.tinyInput, "--all", "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")  // not a terminal: no progress bar
        XCTAssertTrue(result.stdout.hasPrefix("wrote 10 activations to \(out)"), result.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/manifest.json"))
    }

    func testHelpListsTheCommands() throws {
        let result = try launch(["--help"])
        XCTAssertEqual(result.status, 0)
        for command in ["inspect", "layers", "run", "bench"] { XCTAssertTrue(result.stdout.contains(command)) }
    }
}
