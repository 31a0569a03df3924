import Foundation

/// Where the repository's fixtures are, for harnesses that pair a fuzzed input with a fixed fixture:
/// `STRATA_ROOT` when set (`Tools/fuzz` sets it), else the repository this file is in.
public enum FuzzFixtures {
    public static let root: String = {
        if let root = ProcessInfo.processInfo.environment["STRATA_ROOT"], !root.isEmpty { return root }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../..").standardized.path
    }()

    public static func path(_ relative: String) -> String { root + "/" + relative }
}
