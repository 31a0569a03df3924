import ArgumentParser

/// `--tensorboard LOGDIR [--step N] [--run NAME]`: the option group of every command that can also
/// log what it draws or computes to TensorBoard. Each run writes a new events file into LOGDIR (or
/// LOGDIR/NAME), with every value at step N; what is logged, and under which tags, is in
/// Docs/TensorBoard.md. A command takes it as `@OptionGroup(title: "TensorBoard") var tensorBoard:
/// TensorBoardOptions` and logs through `open()` (Docs/TensorBoard.md, "Adding --tensorboard").
public struct TensorBoardOptions: ParsableArguments {
    @Option(name: .customLong("tensorboard"), help: ArgumentHelp(
        "Also log images, histograms and scalars to a new TensorBoard events file in this folder (created if missing).",
        valueName: "logdir"))
    public var logDirectory: String?

    @Option(help: ArgumentHelp("The step of the TensorBoard values (default: 0).", valueName: "n"))
    public var step: Int64?

    @Option(help: ArgumentHelp("Log into LOGDIR/NAME, a run of its own in TensorBoard.", valueName: "name"))
    public var run: String?

    public init() {}

    public func validate() throws {
        if logDirectory == nil && (step != nil || run != nil) { throw ValidationError("--step and --run need --tensorboard LOGDIR") }
        if logDirectory?.isEmpty == true { throw ValidationError("--tensorboard must not be empty") }
        if let step, step < 0 { throw ValidationError("--step must be at least 0") }
        if run?.isEmpty == true { throw ValidationError("--run must not be empty") }
    }

    /// The log the command writes into; nil without `--tensorboard`. Creates nothing yet; throws
    /// `invalidInput` for a bad `--run`, `unsafePath` when the log folder is a file.
    func open() throws -> TensorBoardLog? {
        guard let logDirectory else { return nil }
        return try TensorBoardLog(logDirectory: logDirectory, run: run, step: step ?? 0)
    }
}
