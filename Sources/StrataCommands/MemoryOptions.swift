import ArgumentParser
import StrataCore

/// `--max-memory SIZE`, taken by every command that loads a model: the most bytes of tensors the
/// command may hold at once (`MemoryLimit`), in place of the default (physical memory, or less under
/// `ulimit -v`/`-d` or a cgroup memory limit); and `--max-iterations N`, the most iterations one ONNX
/// `Loop` may run (`IterationLimit`).
public struct MemoryOptions: ParsableArguments {
    /// A byte count as the command line gives it: `8G`, `512M`, `1.5G`, `4096`.
    public struct Size: ExpressibleByArgument, Sendable {
        public let bytes: Int

        public init?(argument: String) {
            guard let bytes = MemoryLimit.parse(argument) else { return nil }
            self.bytes = bytes
        }

        public static var defaultCompletionKind: CompletionKind { .default }
    }

    @Option(name: .customLong("max-memory"), help: ArgumentHelp(
        "The most memory tensors may take, e.g. 8G or 512M (default: physical memory, or less under ulimit -v/-d or a cgroup limit).",
        valueName: "size"))
    public var maxMemory: Size?

    @Option(name: .customLong("max-iterations"), help: ArgumentHelp(
        "The most iterations one ONNX Loop may run (default: \(IterationLimit.defaultIterations)).", valueName: "n"))
    public var maxIterations: Int?

    public mutating func validate() throws {
        if let maxIterations, maxIterations < 1 { throw ValidationError("--max-iterations must be at least 1") }
    }

    public init() {}
}
