import CHDF5Guard
import XCTest

/// The guard driver's check of global heap collections (CHDF5Guard.h), on collections laid out as the
/// HDF5 format specification describes them ("Global Heap" in section III.E): the collections libhdf5
/// writes pass, and each way a corrupt one would make libhdf5 1.10 loop or read outside it is refused.
final class HDF5GuardTests: XCTestCase {
    /// A collection of `size` bytes with "size of lengths" `width`: `objects` as (index, declared size,
    /// payload bytes stored), then `free` as the free-space object (index 0) when given.
    func collection(size: Int, width: Int = 8, objects: [(index: Int, declared: UInt64, stored: Int)],
                    free: UInt64? = nil) -> [UInt8] {
        var bytes = Array("GCOL".utf8) + [1, 0, 0, 0] + little(UInt64(size), width)
        for object in objects {
            bytes += little(UInt64(object.index), 2) + [0, 0] + [0, 0, 0, 0] + little(object.declared, width)
            bytes += [UInt8](repeating: 0x61, count: object.stored)
        }
        if let free {
            bytes += little(0, 2) + [0, 0, 0, 0, 0, 0] + little(free, width)
        }
        return bytes + [UInt8](repeating: 0, count: max(0, size - bytes.count))
    }

    func little(_ value: UInt64, _ width: Int) -> [UInt8] {
        (0..<width).map { $0 < 8 ? UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) : 0 }
    }

    /// The guard's verdict: nil when it accepts the bytes, else its reason.
    func refusal(_ bytes: [UInt8], width: Int = 8, available: Int? = nil) -> String? {
        var reason = [CChar](repeating: 0, count: 256)
        let refused = bytes.withUnsafeBufferPointer {
            strata_h5guard_check_global_heap($0.baseAddress, available ?? $0.count, Int32(width), &reason, reason.count)
        }
        return refused == 0 ? nil : String(cString: reason)
    }

    func testWellFormedCollectionsPass() {
        // Two strings (5 and 16 bytes, padded to 8 and 16), then the free space to the end.
        let used = 16 + (16 + 8) + (16 + 16)
        XCTAssertNil(refusal(collection(size: 4096, objects: [(1, 5, 8), (2, 16, 16)], free: UInt64(4096 - used))))
        // Lengths of 4 bytes: 12-byte object headers.
        XCTAssertNil(refusal(collection(size: 4096, width: 4, objects: [(1, 3, 8)], free: UInt64(4096 - 12 - 20)), width: 4))
        // No free-space object: the last object ends a few bytes short of the end, too few for a header.
        XCTAssertNil(refusal(collection(size: 4096, objects: [(1, UInt64(4096 - 16 - 16 - 8), 4096 - 16 - 16 - 8)])))
        // Larger than the first 4096 bytes libhdf5 reads.
        XCTAssertNil(refusal(collection(size: 8192, objects: [(1, 6000, 6000)], free: UInt64(8192 - 16 - 16 - 6000))))
    }

    func testBytesThatAreNoCollectionPass() {
        XCTAssertNil(refusal(Array("GCOX".utf8) + [UInt8](repeating: 0, count: 4092)))
        XCTAssertNil(refusal(Array("GCOL".utf8) + [2] + [UInt8](repeating: 0, count: 4091)), "version 2: libhdf5 refuses it")
        XCTAssertNil(refusal(Array("GCOL".utf8)), "too short to be one")
    }

    /// libhdf5 1.10 steps to the next object by the free-space object's size: 0 never moves.
    func testAFreeSpaceObjectOfSizeZeroIsRefused() {
        XCTAssertEqual(refusal(collection(size: 4096, objects: [(1, 5, 8)], free: 0)),
                       "global heap object 0 at byte 40 of its collection declares 0 bytes, which is smaller than its own header")
    }

    /// An object whose size runs past the collection: libhdf5 1.10 copies it from outside the collection.
    func testAnObjectRunningPastTheCollectionIsRefused() {
        XCTAssertEqual(refusal(collection(size: 4096, objects: [(1, 274_877_906_954, 8)])),
                       "global heap object 1 at byte 16 of its collection declares 274877906954 bytes, which runs past the collection")
        XCTAssertEqual(refusal(collection(size: 4096, objects: [(3, UInt64.max - 2, 8)])),
                       "global heap object 3 at byte 16 of its collection declares 18446744073709551613 bytes, which runs past the collection")
        XCTAssertNotNil(refusal(collection(size: 4096, objects: [(1, 5, 8)], free: 4096)), "free space past the end")
    }

    func testDeclaredSizesOutsideTheFileOrBelowTheMinimumAreRefused() {
        XCTAssertEqual(refusal(collection(size: 8192, objects: [], free: 8192 - 16), available: 6000),
                       "a global heap collection declares 8192 bytes, past the end of the file")
        XCTAssertEqual(refusal(collection(size: 4096, objects: [], free: 4080).replacing(at: 8, with: little(2048, 8))),
                       "a global heap collection declares 2048 bytes (at least 4096)")
        XCTAssertEqual(refusal(collection(size: 4096, objects: [], free: 4080), width: 3),
                       "the superblock's size of lengths (3) is not 2, 4, 8 or 16")
    }
}

private extension Array where Element == UInt8 {
    func replacing(at offset: Int, with bytes: [UInt8]) -> [UInt8] {
        var copy = self
        copy.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        return copy
    }
}
