import CHDF5
import Foundation
import StrataCore

/// The process-wide gate to libhdf5. Debian's serial build is not thread-safe, so every HDF5 call in
/// Strata runs inside `locked`; the first use also turns off the library's own error printing, whose
/// stack traces would otherwise reach the terminal (failures become `StrataError`s instead).
enum HDF5Library {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var silenced = false

    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        if !silenced {
            H5Eset_auto2(strata_h5e_default(), nil, nil)
            silenced = true
        }
        return try body()
    }

    /// The 8-byte HDF5 superblock signature. It sits at offset 0, or at 512, 1024, 2048 … when the
    /// file starts with a user block.
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Whether `data` (the start of a file) carries the HDF5 signature at one of the places it may sit.
    static func hasSignature(_ data: Data) -> Bool {
        var offset = 0
        while offset + 8 <= data.count {
            if Array(data[data.startIndex + offset ..< data.startIndex + offset + 8]) == signature { return true }
            offset = offset == 0 ? 512 : offset * 2
        }
        return false
    }

    /// Whether the file at `path` starts like an HDF5 file (reads at most 4 KiB).
    static func fileHasSignature(_ path: String) -> Bool {
        guard let head = InputFile.prefix(path, count: 4096) else { return false }
        return hasSignature(Data(head))
    }
}
