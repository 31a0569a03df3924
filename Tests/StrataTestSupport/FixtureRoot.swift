import Foundation

/// Where the repository and its committed fixtures are, found from this file's `#filePath`
/// (Tests/StrataTestSupport/ is two folders below the repository root).
public enum FixtureRoot {
    /// The repository root.
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `Fixtures/<relative>` under the repository root.
    public static func path(_ relative: String) -> String { repository + "/Fixtures/" + relative }
}
