import Foundation
import FuzzSupport
import StrataCore
@testable import StrataKeras

let archiveFile = FuzzFile(name: "model.keras")

/// The `.keras` zip container as `KerasImporter` reads it: the central directory (zip64 included), then
/// every member a `.keras` has, bounded and inflated both ways the importer does (into memory with a
/// limit, and checked then extracted into a buffer of the declared size, as for shared memory).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKerasZip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.one(data, size) { bytes in
        archiveFile.write(bytes)
        let archive = try KerasArchive(path: archiveFile.path)
        for name in ["config.json", "metadata.json", "model.weights.h5"] {
            guard let member = archive.member(name) else { continue }
            do {
                _ = try archive.data(member, limit: KerasImporter.maxConfigBytes, what: "a model config")
            } catch is StrataError {}
            try archive.check(member)
            try MemoryLimit.reserve(member.size, for: "archive member '\(name)'")
            defer { MemoryLimit.release(member.size) }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, member.size), alignment: 16)
            defer { buffer.deallocate() }
            try archive.extract(member, into: buffer)
        }
    }
}
