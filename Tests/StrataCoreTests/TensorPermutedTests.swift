import Foundation
import StrataCore
import StrataTestSupport
import XCTest

/// `Tensor.permuted` against the definition, element by element: result index `(i_0, …)` holds the
/// source element whose axis `perm[k]` index is `i_k`. The shapes cover each path of the copy:
/// merged contiguous runs, tiled 2-D transposes (Keras HWIO → OIHW, NHWC ↔ NCHW, sizes that are not
/// multiples of the tile), strided gathers with no contiguous source axis left, unit axes, and empty
/// tensors.
final class TensorPermutedTests: XCTestCase {
    func testEveryPermutationOfSmallShapesEqualsTheDefinition() throws {
        var random = SeededGenerator(seed: 11)
        for rank in 0 ... 4 {
            for _ in 0 ..< 6 {
                let shape = (0 ..< rank).map { _ in random.int(1 ... 5) }
                for perm in permutations(Array(0 ..< rank)) {
                    for dtype in [DType.uint8, .float16, .float32, .int64] {
                        try check(shape, perm, dtype, &random)
                    }
                }
            }
        }
    }

    func testLayoutChangesOfWeightsAndActivations() throws {
        var random = SeededGenerator(seed: 12)
        let cases: [([Int], [Int])] = [
            ([3, 3, 67, 129], [3, 2, 0, 1]),   // Keras Conv2D kernel HWIO → OIHW
            ([1, 1, 70, 45], [3, 2, 0, 1]),    // 1×1 kernel: a plain 2-D transpose
            ([5, 5, 1, 40], [3, 2, 0, 1]),     // depthwise-style kernel
            ([2, 33, 35, 19], [0, 3, 1, 2]),   // NHWC → NCHW
            ([2, 19, 33, 35], [0, 2, 3, 1]),   // NCHW → NHWC
            ([7, 41, 3, 37], [3, 1, 2, 0]),    // no axis contiguous on both sides
            ([40, 1, 50], [2, 1, 0]),
            ([3, 0, 4], [2, 0, 1]),            // empty
            // Kernel and activation sizes of real layers (megabytes).
            ([3, 3, 130, 517], [3, 2, 0, 1]),
            ([1, 1, 600, 701], [3, 2, 0, 1]),
            ([3, 64, 64, 97], [0, 3, 1, 2]),
        ]
        for (shape, perm) in cases {
            for dtype in [DType.float32, .int64, .uint8] {
                try check(shape, perm, dtype, &random)
            }
        }
    }

    /// A Keras kernel's permuted copy is made on the first use of its bytes, once however many threads
    /// ask at the same time, and then lets the source's pages go; it is never packed in its place.
    func testADeferredPermuteIsMadeOnceOnFirstUseAndLetsItsSourceGo() throws {
        let calls = Calls()
        let shape = [3, 3, 8, 5], count = 3 * 3 * 8 * 5
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
        defer { buffer.deallocate() }
        for i in 0 ..< count { buffer.storeBytes(of: Float(i), toByteOffset: i * 4, as: Float.self) }
        let storage = TensorStorage(borrowing: buffer, byteCount: count * 4, owner: calls) { _, bytes in calls.add(bytes) }
        let kernel = Tensor(dtype: .float32, shape: shape, storage: storage)
        let onnx = try kernel.deferredPermuted([3, 2, 0, 1])
        XCTAssertEqual(onnx.shape, [5, 8, 3, 3])
        XCTAssertFalse(onnx.storage.repackingFreesMemory)
        XCTAssertEqual(calls.made, [])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in _ = onnx.storage.pointer }
        XCTAssertEqual(calls.made, [count * 4])
        let expected = try kernel.permuted([3, 2, 0, 1])
        XCTAssertEqual(memcmp(onnx.rawPointer, expected.rawPointer, count * 4), 0)
        XCTAssertEqual(calls.made, [count * 4])
    }

    /// The permuted copy is reserved in `MemoryLimit` when the tensor is made, so a weight that does
    /// not fit fails the load with `.resourceLimit`, not the first run; the reservation goes with the
    /// tensor, made or not.
    func testADeferredPermuteIsReservedWhenMade() throws {
        let kernel = try Tensor(dtype: .float32, shape: [3, 3, 64, 128])
        let before = MemoryLimit.inUse
        do {
            let onnx = try kernel.deferredPermuted([3, 2, 0, 1])
            XCTAssertEqual(MemoryLimit.inUse - before, kernel.byteCount)
            _ = onnx.storage.pointer
            XCTAssertEqual(MemoryLimit.inUse - before, kernel.byteCount)
        }
        XCTAssertEqual(MemoryLimit.inUse, before)
        let previous = MemoryLimit.set(MemoryLimit.inUse + kernel.byteCount / 2)
        defer { _ = MemoryLimit.set(previous) }
        XCTAssertThrowsError(try kernel.deferredPermuted([3, 2, 0, 1])) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .resourceLimit)
        }
        XCTAssertEqual(MemoryLimit.inUse, before)
    }

    private final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var bytes: [Int] = []
        var made: [Int] { lock.withLock { bytes } }
        func add(_ count: Int) { lock.withLock { bytes.append(count) } }
    }

    private func check(_ shape: [Int], _ perm: [Int], _ dtype: DType, _ random: inout SeededGenerator,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try Tensor(dtype: dtype, shape: shape)
        let size = dtype.byteSize
        let bytes = x.count * size
        for i in 0 ..< bytes { x.rawPointer.storeBytes(of: UInt8(truncatingIfNeeded: random.next()), toByteOffset: i, as: UInt8.self) }
        let y = try x.permuted(perm)
        XCTAssertEqual(y.shape, perm.map { shape[$0] }, file: file, line: line)
        XCTAssertEqual(y.dtype, dtype, file: file, line: line)
        let deferred = try x.deferredPermuted(perm)
        XCTAssertEqual(deferred.shape, y.shape, file: file, line: line)
        XCTAssertEqual(deferred.dtype, dtype, file: file, line: line)
        XCTAssertEqual(memcmp(deferred.rawPointer, y.rawPointer, y.byteCount), 0, "\(dtype)\(shape) deferred, by \(perm)", file: file, line: line)
        var sourceStrides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { sourceStrides[i] = sourceStrides[i + 1] * shape[i + 1] }
        var index = [Int](repeating: 0, count: y.rank)
        for o in 0 ..< y.count {
            var s = 0
            for k in 0 ..< y.rank { s += index[k] * sourceStrides[perm[k]] }
            let expected = Array(UnsafeRawBufferPointer(start: x.rawPointer + s * size, count: size))
            let got = Array(UnsafeRawBufferPointer(start: y.rawPointer + o * size, count: size))
            if expected != got {
                XCTFail("\(dtype)\(shape) permuted by \(perm): element \(o) (index \(index)) differs", file: file, line: line)
                return
            }
            var k = y.rank - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < y.shape[k] { break }
                index[k] = 0
                k -= 1
            }
        }
    }

    private func permutations(_ items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { i -> [[Int]] in
            var rest = items
            let head = rest.remove(at: i)
            return permutations(rest).map { [head] + $0 }
        }
    }
}
