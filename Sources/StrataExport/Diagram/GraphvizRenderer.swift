import Foundation
import StrataCore

/// Renders DOT text to SVG, PNG or PDF with Graphviz's `dot` program.
public struct GraphvizRenderer: Sendable {
    /// The output formats `dot` is asked for, by file extension.
    public static let formats: Set<String> = ["svg", "png", "pdf"]

    /// Path of the `dot` executable.
    public let executable: String

    /// Finds `dot` in the folders of `searchPath` (a `PATH`-style list; the process's `PATH` when
    /// nil). Throws `.unsupported` saying how to get it when it is not there.
    public init(searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) throws {
        for folder in (searchPath ?? "").split(separator: ":") where !folder.isEmpty {
            let candidate = String(folder) + "/dot"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                executable = candidate
                return
            }
        }
        throw StrataError(
            .unsupported,
            "Graphviz 'dot' was not found on PATH; install graphviz (e.g. apt-get install graphviz) "
                + "or write DOT text instead (-o FILE.dot, or no -o for standard output)")
    }

    /// `dot` rendered as SVG text in memory (for pages that embed the diagram).
    public func svg(_ dot: String) throws -> String {
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let folder = NSTemporaryDirectory() + "strata-svg-\(tag)"
        guard mkdir(folder, 0o700) == 0 else {
            throw StrataError(.io, "cannot create a temporary folder for Graphviz: \(String(cString: strerror(errno)))", at: ErrorLocation(file: folder))
        }
        let path = folder + "/diagram.svg"
        defer {
            unlink(path)
            rmdir(folder)
        }
        try render(dot, format: "svg", to: path)
        return String(decoding: try InputFile.contents(path, limit: 256 << 20), as: UTF8.self)
    }

    /// Writes `dot` rendered as `format` to `path`: the DOT text goes to a temporary file, `dot`
    /// renders into a temporary output next to `path`, which is then renamed into place (following
    /// `OutputFile`'s rules, never over one of `inputs`).
    public func render(_ dot: String, format: String, to path: String, notOverwriting inputs: [String] = []) throws {
        try OutputFile.check(path, notOverwriting: inputs)
        let location = ErrorLocation(file: path)
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let source = NSTemporaryDirectory() + "strata-diagram-\(tag).dot"
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(tag)"
        defer {
            unlink(source)
            unlink(temporary)
        }
        try AtomicFile.write(source, data: Array(dot.utf8))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-T" + format, "-o", temporary, source]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw StrataError(.io, "cannot run \(executable): \(error.localizedDescription)", at: location)
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let firstLine = message.split(separator: "\n").first.map(String.init) ?? "no message"
            throw StrataError(.io, "dot failed (exit \(process.terminationStatus)): \(firstLine)", at: location)
        }
        try OutputFile.move(temporary, to: path, notOverwriting: inputs)
    }
}
