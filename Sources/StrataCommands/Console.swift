import Foundation

/// Where a command's output goes: standard output and standard error, or memory (for tests).
public final class Console: @unchecked Sendable {
    /// Text written to standard output when capturing, else empty.
    public private(set) var output = ""
    /// Text written to standard error when capturing, else empty.
    public private(set) var errors = ""
    private let capturing: Bool

    /// A console bound to the process's standard output and error.
    public init() { capturing = false }

    /// A console that keeps everything in `output` and `errors`.
    public static func capture() -> Console { Console(capturing: true) }

    private init(capturing: Bool) { self.capturing = capturing }

    /// True when standard error is a terminal (never when capturing): progress may redraw in place.
    public var errorIsTerminal: Bool { !capturing && isatty(STDERR_FILENO) != 0 }

    public func print(_ line: String) {
        if capturing {
            output += line + "\n"
        } else {
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    /// Writes `text` to standard error as is (no newline added).
    public func printError(_ text: String) {
        if capturing {
            errors += text
        } else {
            FileHandle.standardError.write(Data(text.utf8))
        }
    }
}
