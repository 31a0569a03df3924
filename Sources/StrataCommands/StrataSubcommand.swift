import ArgumentParser
import StrataCore
import StrataEngine
import StrataKeras

/// A `strata` subcommand whose work is `execute(on:)`, so tests can run it in process and read its
/// output. `run()` adds the CLI's error convention: one line `strata: error: <description>` on
/// standard error and exit code 1, never a stack trace.
public protocol StrataSubcommand: ParsableCommand {
    /// The model file the command works on; errors without a file are reported against it.
    var modelPath: String { get }
    /// The command's `--max-memory` option (`@OptionGroup`), applied for the command's run; nil for
    /// commands without one.
    var memoryOptions: MemoryOptions? { get }
    func execute(on console: Console) throws
}

extension StrataSubcommand {
    public func run() throws {
        let console = Console()
        // Before anything else: OpenBLAS's workers, started with the library, would spin on a core
        // through the whole of a short command.
        BLASThreads.runOnCallingThread()
        // The CLI reads HDF5 in a worker: this binary again, in its hidden hdf5-worker mode.
        HDF5Isolation.current = .worker(executable: "/proc/self/exe")
        do {
            // A wrong STRATA_ISA is the environment's fault, not the model file's: reported before anything is read.
            try KernelTier.checkEnvironment()
            try executeReportingStrataErrors(on: console)
        } catch let error as StrataError {
            console.printError("strata: error: \(error.description)\n")
            throw ExitCode(1)
        }
    }

    public var memoryOptions: MemoryOptions? { nil }

    /// `execute(on:)` with every failure turned into a `StrataError` located in the model file, under
    /// the `--max-memory` limit when one was given. Argument-parser exits (`ExitCode`, `CleanExit`,
    /// validation errors) pass through unchanged.
    public func executeReportingStrataErrors(on console: Console) throws {
        let previous = MemoryLimit.bytes
        if let bytes = memoryOptions?.maxMemory?.bytes { MemoryLimit.set(bytes) }
        defer { MemoryLimit.set(previous) }
        let previousIterations = IterationLimit.iterations
        if let iterations = memoryOptions?.maxIterations { IterationLimit.set(iterations) }
        defer { IterationLimit.set(previousIterations) }
        do {
            try execute(on: console)
        } catch let error as StrataError {
            throw error.inFile(modelPath)
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            throw error.strata(at: ErrorLocation(file: modelPath))
        }
    }
}
