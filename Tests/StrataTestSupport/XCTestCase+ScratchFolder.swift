import Foundation
import XCTest

extension XCTestCase {
    /// A new empty folder under the temporary directory, removed (with its contents) when the test ends.
    public func makeScratchFolder(prefix: String = "strata-test") throws -> String {
        let folder = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }
}
