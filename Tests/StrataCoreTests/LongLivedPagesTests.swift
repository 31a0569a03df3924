@testable import StrataCore
import Foundation
import XCTest

/// Weights kept for a model's life (`TensorStorage(longLived:)`, deferred copies) come from their own
/// mappings advised for 2 MB pages where that is safe; everything else still comes from `malloc`.
final class LongLivedPagesTests: XCTestCase {
    func testBlocksOfTwoMegabytesAndMoreAreMappedOnABoundaryAndOthersLeftToMalloc() throws {
        XCTAssertNil(LongLivedPages.map(LongLivedPages.hugePage - 1, hugePages: true))
        XCTAssertNil(LongLivedPages.map(LongLivedPages.hugePage, hugePages: false))
        #if os(Linux)
        for size in [LongLivedPages.hugePage, LongLivedPages.hugePage + 1, 5 * LongLivedPages.hugePage + 12_345] {
            let block = try XCTUnwrap(LongLivedPages.map(size, hugePages: true))
            XCTAssertEqual(Int(bitPattern: block) % LongLivedPages.hugePage, 0)
            let bytes = block.assumingMemoryBound(to: UInt8.self)
            XCTAssertEqual(bytes[0], 0)
            XCTAssertEqual(bytes[size - 1], 0)
            bytes[size - 1] = 7
            LongLivedPages.unmap(block, size)
        }
        #endif
    }

    /// The balloon's feature string as sysfs shows it on a Firecracker VM (statistics, deflate on
    /// OOM, free page reporting), and without reporting.
    func testFreePageReportingIsReadFromTheBalloonsFeatureBits() {
        XCTAssertTrue(LongLivedPages.reportsFreePages(features: "0110010100000000000000000000000010000000\n"))
        XCTAssertFalse(LongLivedPages.reportsFreePages(features: "0110000100000000000000000000000010000000\n"))
        XCTAssertFalse(LongLivedPages.reportsFreePages(features: "01100"))
        XCTAssertFalse(LongLivedPages.reportsFreePages(features: ""))
    }

    func testLongLivedStorageHoldsWhatIsWrittenAndIsZeroedOnRequest() throws {
        for longLived in [false, true] {
            let count = 3 << 20 / 4 + 5
            let storage = try TensorStorage(byteCount: count * 4, zeroed: true, longLived: longLived)
            let floats = storage.pointer.assumingMemoryBound(to: Float.self)
            XCTAssertEqual((0 ..< count).reduce(0) { $0 + (floats[$1] == 0 ? 0 : 1) }, 0)
            for i in 0 ..< count { floats[i] = Float(i) }
            XCTAssertEqual(floats[count - 1], Float(count - 1))
            XCTAssertEqual(Int(bitPattern: storage.pointer) % 64, 0)
        }
    }

    /// Where the system gives 2 MB pages to regions that ask (THP `madvise` or `always`), a block that
    /// asks gets them: its mapping shows `AnonHugePages` in `/proc/self/smaps` once written.
    func testBlocksThatAskForHugePagesGetThemWhereTheSystemOffersThem() throws {
        #if os(Linux)
        guard let mode = try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8),
              mode.contains("[madvise]") || mode.contains("[always]") else {
            throw XCTSkip("transparent huge pages are off here")
        }
        let size = 4 * LongLivedPages.hugePage
        let block = try XCTUnwrap(LongLivedPages.map(size, hugePages: true))
        defer { LongLivedPages.unmap(block, size) }
        memset(block, 1, size)
        let start = Int(bitPattern: block)
        let huge = try XCTUnwrap(Self.anonHugeKilobytes(containing: start), "no mapping holds the block")
        // The kernel may fall back to small pages when no 2 MB page is free; one of four is enough.
        guard huge > 0 else {
            let fallbacks = Self.procFile("/proc/vmstat").split(separator: "\n").first { $0.hasPrefix("thp_fault_fallback ") } ?? "?"
            XCTFail("no 2 MB page in a long-lived block of 8 MB (\(fallbacks))")
            return
        }
        XCTAssertGreaterThanOrEqual(huge, 2048)
        #endif
    }

    /// A file under /proc, read to its end (its size reads as 0, which `String(contentsOfFile:)` trusts).
    private static func procFile(_ path: String) -> String {
        String(decoding: FileHandle(forReadingAtPath: path)?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
    }

    /// `AnonHugePages` (kB) of the mapping in `/proc/self/smaps` that contains `address`.
    private static func anonHugeKilobytes(containing address: Int) -> Int? {
        let smaps = procFile("/proc/self/smaps")
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                let ends = range.split(separator: "-").compactMap { Int($0, radix: 16) }
                inside = ends.count == 2 && ends[0] <= address && address < ends[1]
            } else if inside, fields.first == "AnonHugePages:", fields.count >= 2 {
                return Int(fields[1])
            }
        }
        return nil
    }
}
