import CISAL
import Foundation
import StrataCore
import ZIPFoundation

/// A `.keras` file: a zip archive (`config.json`, `metadata.json`, `model.weights.h5`), read with no
/// size taken on trust.
///
/// The central directory is parsed here (zip64 included) and every member is checked against the
/// archive's real size before a byte of it is read: its data must lie between its local header and
/// the central directory, stored members must be as long as they claim, and a deflated member may not
/// claim more than `DecompressionLimit.maxRatio` times its compressed size. Inflating (ZIPFoundation's
/// `Data.decompress`, over zlib) is fed only the member's own compressed bytes, stops at the size the
/// header declares, and the CRC-32 is checked.
///
/// ZIPFoundation's `Archive` does the rest of this job for trusted files, but not for these: on Linux
/// its extraction keeps asking for input after the end of the file, forever, when a member's deflate
/// stream is unfinished there (a crafted 10 KB `.keras` hung Strata), and its public API gives no
/// data offset to bound the reads by.
final class KerasArchive {
    /// One file in the archive, as its central directory entry describes it.
    struct Member {
        let name: String
        /// 0 (stored) or 8 (deflated).
        let method: UInt16
        let crc32: UInt32
        let compressedSize: Int
        let size: Int
        /// Where the member's local header starts.
        let headerOffset: Int
    }

    let path: String
    let fileSize: Int
    private let fd: Int32
    private let members: [String: Member]
    /// Where the central directory starts: no member's data may reach past it.
    private let directoryStart: Int

    /// More entries than a `.keras` file has by far (it has three).
    static let maxMembers = 1 << 16

    /// Reads the central directory of the regular file at `path`.
    init(path: String) throws {
        self.path = path
        (fd, fileSize) = try InputFile.open(path)
        do {
            (members, directoryStart) = try KerasArchive.directory(fd: fd, fileSize: fileSize, path: path)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// The archive's open descriptor, for reading a stored member in place while this object lives.
    var descriptor: Int32 { fd }

    func member(_ name: String) -> Member? { members[name] }

    private static func unreadable(_ path: String, _ why: String) -> StrataError {
        StrataError(.corruptFile, "not a readable .keras archive (\(why))", at: ErrorLocation(file: path))
    }

    // MARK: Central directory

    private static func directory(fd: Int32, fileSize: Int, path: String) throws -> ([String: Member], Int) {
        // The end record (22 bytes) sits at the end, after a comment of at most 65535 bytes.
        let tailSize = Swift.min(fileSize, 22 + 65535)
        guard tailSize >= 22 else { throw unreadable(path, "truncated or not a zip file") }
        let tail = try read(fd, at: fileSize - tailSize, count: tailSize, path: path)
        guard let end = (0 ... tailSize - 22).reversed().first(where: { tail.u32($0) == 0x0605_4B50 }) else {
            throw unreadable(path, "truncated or not a zip file")
        }
        var count = Int(tail.u16(end + 10))
        var directorySize = Int(tail.u32(end + 12))
        var directoryOffset = Int(tail.u32(end + 16))
        let endOffset = fileSize - tailSize + end
        // zip64: a locator just before the end record points at the zip64 end record.
        if endOffset >= 20 {
            let locator = try read(fd, at: endOffset - 20, count: 20, path: path)
            if locator.u32(0) == 0x0706_4B50 {
                let recordOffset = Int(clamping: locator.u64(8))
                guard recordOffset >= 0, recordOffset <= endOffset - 20 - 56 else { throw unreadable(path, "zip64 end record out of place") }
                let record = try read(fd, at: recordOffset, count: 56, path: path)
                guard record.u32(0) == 0x0606_4B50 else { throw unreadable(path, "zip64 end record missing") }
                count = Int(clamping: record.u64(32))
                directorySize = Int(clamping: record.u64(40))
                directoryOffset = Int(clamping: record.u64(48))
            }
        }
        guard count <= maxMembers, directoryOffset >= 0, directorySize >= 0,
              let directoryEnd = CheckedArithmetic.sum(directoryOffset, directorySize), directoryEnd <= endOffset
        else { throw unreadable(path, "central directory out of place") }
        let directory = try read(fd, at: directoryOffset, count: directorySize, path: path)
        var members: [String: Member] = [:]
        var at = 0
        for _ in 0 ..< count {
            guard at + 46 <= directory.count, directory.u32(at) == 0x0201_4B50 else { throw unreadable(path, "damaged central directory") }
            let flags = directory.u16(at + 8)
            let method = directory.u16(at + 10)
            let crc = directory.u32(at + 16)
            var compressed = Int(directory.u32(at + 20))
            var size = Int(directory.u32(at + 24))
            let nameLength = Int(directory.u16(at + 28)), extraLength = Int(directory.u16(at + 30)), commentLength = Int(directory.u16(at + 32))
            var offset = Int(directory.u32(at + 42))
            let nameStart = at + 46
            let extraStart = nameStart + nameLength
            let next = extraStart + extraLength + commentLength
            guard next <= directory.count else { throw unreadable(path, "damaged central directory") }
            let name = String(decoding: directory[nameStart ..< extraStart], as: UTF8.self)
            // zip64 sizes and offset replace the 32-bit fields that hold 0xFFFFFFFF, in this order.
            var extra = extraStart
            while extra + 4 <= extraStart + extraLength {
                let id = directory.u16(extra), length = Int(directory.u16(extra + 2))
                guard extra + 4 + length <= extraStart + extraLength else { throw unreadable(path, "damaged central directory") }
                if id == 0x0001 {
                    var field = extra + 4
                    func take() throws -> Int {
                        guard field + 8 <= extra + 4 + length else { throw unreadable(path, "damaged zip64 field") }
                        defer { field += 8 }
                        return Int(clamping: directory.u64(field))
                    }
                    if size == 0xFFFF_FFFF { size = try take() }
                    if compressed == 0xFFFF_FFFF { compressed = try take() }
                    if offset == 0xFFFF_FFFF { offset = try take() }
                }
                extra += 4 + length
            }
            if flags & 1 != 0 {
                throw StrataError(.unsupported, "archive member '\(name)' is encrypted", at: ErrorLocation(file: path))
            }
            guard members[name] == nil else {
                throw StrataError(.corruptFile, "the archive holds '\(name)' twice", at: ErrorLocation(file: path))
            }
            members[name] = Member(name: name, method: method, crc32: crc, compressedSize: compressed, size: size, headerOffset: offset)
            at = next
        }
        return (members, directoryOffset)
    }

    // MARK: Members

    /// The bytes of `member` (at most `limit` of them, which `what` names in the error).
    func data(_ member: Member, limit: Int, what: String) throws -> Data {
        try check(member)
        guard member.size <= limit else {
            throw memberError(member, "has \(member.size) bytes, more than the \(limit) \(what) may have", kind: .resourceLimit)
        }
        var data = Data(count: member.size)
        try data.withUnsafeMutableBytes { try extract(member, into: $0.baseAddress) }
        return data
    }

    func memberError(_ member: Member, _ message: String, kind: StrataError.Kind = .corruptFile) -> StrataError {
        StrataError(kind, "archive member '\(member.name)' \(message)", at: ErrorLocation(file: path))
    }

    /// Checks where `member`'s data lies and how much it claims against the archive, before anything is
    /// allocated for it; returns where its data starts.
    @discardableResult
    func check(_ member: Member) throws -> Int {
        guard member.headerOffset >= 0, member.compressedSize >= 0, member.size >= 0,
              let headerEnd = CheckedArithmetic.sum(member.headerOffset, 30), headerEnd <= directoryStart
        else { throw memberError(member, "lies outside the archive") }
        let header = try KerasArchive.read(fd, at: member.headerOffset, count: 30, path: path)
        guard header.u32(0) == 0x0403_4B50 else { throw memberError(member, "has no local header (damaged archive)") }
        let dataStart = headerEnd + Int(header.u16(26)) + Int(header.u16(28))
        guard let dataEnd = CheckedArithmetic.sum(dataStart, member.compressedSize), dataEnd <= directoryStart else {
            throw memberError(member, "claims \(member.compressedSize) bytes of data, more than the archive holds (\(fileSize) bytes)")
        }
        switch member.method {
        case 0:
            guard member.compressedSize == member.size else {
                throw memberError(member, "is stored but claims \(member.size) bytes from \(member.compressedSize) (damaged archive)")
            }
        case 8:
            guard DecompressionLimit.allows(declared: member.size, stored: member.compressedSize) else {
                throw memberError(member, "claims \(member.size) bytes from \(member.compressedSize) compressed (more than 1:\(DecompressionLimit.maxRatio)); "
                                  + "refused as a decompression bomb")
            }
        default:
            throw memberError(member, "uses compression method \(member.method), which Strata does not read", kind: .unsupported)
        }
        return dataStart
    }

    /// Writes `member`'s `size` bytes to `destination` (which has room for them), after `check`.
    func extract(_ member: Member, into destination: UnsafeMutableRawPointer?) throws {
        let dataStart = try check(member)
        let crc: UInt32
        if member.method == 0 {
            if member.size > 0, let destination {
                try KerasArchive.read(fd, at: dataStart, count: member.size, into: destination, path: path)
            }
            crc = KerasArchive.checksum(destination, count: member.size)
        } else {
            crc = try inflate(member, from: dataStart, into: destination)
        }
        guard crc == member.crc32 else {
            throw memberError(member, "is corrupt (its CRC-32 does not match)")
        }
    }

    /// Checks a stored member's CRC-32 without keeping its bytes: read a megabyte at a time.
    func verify(_ member: Member) throws {
        let dataStart = try check(member)
        precondition(member.method == 0, "verify reads stored members")
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        var crc: UInt32 = 0
        var done = 0
        while done < member.size {
            let n = Swift.min(chunk, member.size - done)
            try KerasArchive.read(fd, at: dataStart + done, count: n, into: buffer, path: path)
            crc = crc32_gzip_refl(crc, buffer.assumingMemoryBound(to: UInt8.self), UInt64(n))
            done += n
        }
        guard crc == member.crc32 else {
            throw memberError(member, "is corrupt (its CRC-32 does not match)")
        }
    }

    /// Inflates the member's compressed bytes into exactly `member.size` bytes; a stream that would give
    /// more, ends early, or runs past its compressed size is an error. Returns the CRC-32 of the output.
    private func inflate(_ member: Member, from dataStart: Int, into destination: UnsafeMutableRawPointer?) throws -> UInt32 {
        let chunk = 1 << 16
        var produced = 0
        // ZIPFoundation's zlib loop tells zlib a full chunk of input is there whatever the provider
        // returns, and asks again after the last byte; so every chunk is full (zero-padded past the
        // member's data, which can only make a stream fail) and a request after the end throws.
        let checksum: UInt32
        do {
            checksum = try Data.decompress(
                size: Int64(member.compressedSize), bufferSize: chunk, skipCRC32: false,
                provider: { position, _ in
                    let start = Int(position)
                    guard start < member.compressedSize else {
                        throw self.memberError(member, "ends before its compressed data does (truncated archive)")
                    }
                    var bytes = Data(count: chunk)
                    let n = Swift.min(chunk, member.compressedSize - start)
                    try bytes.withUnsafeMutableBytes {
                        try KerasArchive.read(self.fd, at: dataStart + start, count: n, into: $0.baseAddress!, path: self.path)
                    }
                    return bytes
                },
                consumer: { data in
                    guard data.count <= member.size - produced else {
                        throw self.memberError(member, "inflates to more than the \(member.size) bytes its header declares")
                    }
                    if let destination, !data.isEmpty {
                        data.withUnsafeBytes { (destination + produced).copyMemory(from: $0.baseAddress!, byteCount: data.count) }
                    }
                    produced += data.count
                })
        } catch let error as StrataError {
            throw error
        } catch {
            // zlib's verdict on a damaged deflate stream (ZIPFoundation's `CompressionError`).
            throw memberError(member, "is corrupt (its deflate stream is damaged)")
        }
        guard produced == member.size else {
            throw memberError(member, "inflates to \(produced) bytes, not the \(member.size) its header declares")
        }
        return checksum
    }

    /// The zip CRC-32 of `count` bytes at `bytes` (ISA-L's, chosen for the CPU at run time).
    private static func checksum(_ bytes: UnsafeMutableRawPointer?, count: Int) -> UInt32 {
        guard let bytes, count > 0 else { return 0 }
        return crc32_gzip_refl(0, bytes.assumingMemoryBound(to: UInt8.self), UInt64(count))
    }

    // MARK: Reading

    private static func read(_ fd: Int32, at offset: Int, count: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        if count > 0 { try bytes.withUnsafeMutableBytes { try read(fd, at: offset, count: count, into: $0.baseAddress!, path: path) } }
        return bytes
    }

    /// Exactly `count` bytes at `offset`; the end of the file before them is a truncated archive.
    private static func read(_ fd: Int32, at offset: Int, count: Int, into buffer: UnsafeMutableRawPointer, path: String) throws {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw StrataError(.io, "cannot read: " + String(cString: strerror(errno)), at: ErrorLocation(file: path))
            }
            if n == 0 { throw unreadable(path, "truncated") }
            done += n
        }
    }
}

private extension Array where Element == UInt8 {
    func u16(_ i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
    func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
    func u64(_ i: Int) -> UInt64 { UInt64(u32(i)) | UInt64(u32(i + 4)) << 32 }
}
