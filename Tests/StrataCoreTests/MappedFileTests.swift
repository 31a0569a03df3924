import Foundation
import StrataCore
import XCTest

/// `MappedFile`: what a mapping of a model file promises the memory bound of a run.
final class MappedFileTests: XCTestCase {
    /// The mapping asks for small pages (Linux's `nh` flag in `/proc/self/smaps`): a file the page
    /// cache holds in 2 MB folios is otherwise mapped 2 MB at a time, around every bias a run reads
    /// in place. Pages let go are read again with the same bytes.
    func testTheMappingUsesSmallPagesAndDroppedPagesReadAgain() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-mapped-\(getpid()).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        let count = 4 << 20
        let values = (0 ..< count / 4).map { UInt32(truncatingIfNeeded: $0 &* 2_654_435_761) }
        try values.withUnsafeBytes { Data($0) }.write(to: url)
        let file = try MappedFile(path: url.path)
        let bytes = try XCTUnwrap(file.bytes)
        XCTAssertEqual(file.byteCount, count)
        #if os(Linux)
        let flags = try XCTUnwrap(Self.vmFlags(of: bytes), "the mapping is not in /proc/self/smaps")
        XCTAssertTrue(flags.contains("nh"), "the model file's mapping may use 2 MB pages: VmFlags \(flags)")
        #endif
        XCTAssertEqual(bytes.load(fromByteOffset: 4 * 12_345, as: UInt32.self), values[12_345])
        MappedFile.dropPages(bytes, count)
        for i in stride(from: 0, to: values.count, by: 4099) {
            XCTAssertEqual(bytes.load(fromByteOffset: 4 * i, as: UInt32.self), values[i], "value \(i) after its page was let go")
        }
    }

    /// The `VmFlags` line of the mapping that holds `address`.
    private static func vmFlags(of address: UnsafeMutableRawPointer) -> [String]? {
        // Read line by line: /proc files report a size of 0, which whole-file readers trust.
        guard let stream = fopen("/proc/self/smaps", "r") else { return nil }
        defer { fclose(stream) }
        var lines: [String] = []
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), stream) != nil { lines.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }) }
        let smaps = lines.joined()
        let target = UInt(bitPattern: Int(bitPattern: address))
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                let ends = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = ends.count == 2 && ends[0] <= target && target < ends[1]
            } else if inside, fields.first == "VmFlags:" {
                return fields.dropFirst().map(String.init)
            }
        }
        return nil
    }
}
