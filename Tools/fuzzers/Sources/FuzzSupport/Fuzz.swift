import Foundation
import StrataCore

/// What every harness shares: the limits `strata` runs under, and the rule a harness checks on every
/// input, that a malformed file may only make Strata throw a `StrataError`.
///
/// A crash, a sanitizer report, a timeout or a memory blow-up is what libFuzzer finds by itself; the
/// harness adds two checks it cannot know: an error of another type (a Foundation or Swift error leaking
/// out, which the CLI would print without a location) and tensor memory still counted against
/// `MemoryLimit` after everything built from the input is gone (a reservation never given back).
public enum Fuzz {
    /// The memory limit while fuzzing (`--max-memory 256M`): large enough for every seed, small enough
    /// that a size a file merely claims is refused long before libFuzzer's own RSS limit (2 GB).
    public static let memoryLimit = 256 << 20

    private static let ready: Void = {
        MemoryLimit.set(memoryLimit)
    }()

    /// `FUZZ_VERBOSE=1`: each input's error on stderr (to see how far replayed inputs get).
    private static let verbose = ProcessInfo.processInfo.environment["FUZZ_VERBOSE"] == "1"

    /// Runs `body` on one input (libFuzzer's `data`, `size`) and checks what it left behind; returns
    /// libFuzzer's 0.
    public static func one(_ data: UnsafePointer<UInt8>?, _ size: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) -> Int32 {
        _ = ready
        do {
            try body(UnsafeRawBufferPointer(start: size == 0 ? nil : data, count: size))
        } catch let error as StrataError {
            if verbose { FileHandle.standardError.write(Data("fuzz: \(error)\n".utf8)) }
        } catch {
            fatalError("a malformed input threw \(type(of: error)), not a StrataError: \(error)")
        }
        let held = MemoryLimit.inUse
        if held != 0 { fatalError("\(held) bytes of tensor memory still reserved after the input was dropped") }
        return 0
    }
}
