import Foundation
import Synchronization

/// A block of bytes a tensor reads from. Either owned (allocated and freed here), or borrowed from
/// another object that keeps the bytes alive (a parsed model message, a memory-mapped file), so that
/// weights are never copied just to be wrapped, or a deferred copy of borrowed bytes that are not
/// aligned for their element type (a weight inside a mapped model file), made when the bytes are
/// first used, so that commands that only read a graph's structure never touch them, or bytes a
/// producer writes on first use (a weight permuted into another layout, `Tensor.deferredPermuted`).
///
/// Owned storage counts against `MemoryLimit` from allocation until it is freed.
public final class TensorStorage: @unchecked Sendable {
    /// The bytes; for a deferred copy, the first use makes the copy.
    public var pointer: UnsafeMutableRawPointer {
        let address = resolved.load(ordering: .acquiring)
        if address != 0 { return UnsafeMutableRawPointer(bitPattern: address)! }
        return materialize()
    }
    public let byteCount: Int
    private let owner: AnyObject?
    /// Bytes this storage holds of `MemoryLimit` (0 for borrowed bytes until a deferred copy is made).
    private let reserved: Int
    /// Whether the owned bytes, or a deferred copy, came from `LongLivedPages` rather than `malloc`.
    /// Written once: by the initialiser, or by the thread whose deferred copy is kept.
    private var mapped: Bool
    /// The address `pointer` returns, 0 until a deferred copy is made.
    private let resolved: Atomic<Int>
    /// For a deferred copy: the unaligned source bytes and what to do with them once copied.
    private let source: UnsafeMutableRawPointer?
    /// For deferred bytes made otherwise (`init(deferred:producing:)`): what writes them, dropped
    /// once it has (with whatever it holds, such as its source), under the lock.
    private let producer: Mutex<(@Sendable (UnsafeMutableRawPointer) -> Void)?>
    /// Whether this storage was made by `init(deferred:producing:)`.
    private let produced: Bool
    private let release: (@Sendable (UnsafeMutableRawPointer, Int) -> Void)?

    /// Allocates `byteCount` bytes aligned for SIMD; the contents are uninitialised unless `zeroed`.
    /// `longLived` says the bytes stay as long as the model (a weight in another layout, a packed
    /// copy): large blocks then get 2 MB pages where that is safe (`LongLivedPages`).
    /// Throws `.resourceLimit` (naming `what`, e.g. the tensor's type) when the bytes do not fit in
    /// `MemoryLimit` or the system cannot provide them; nothing is allocated then.
    public init(byteCount: Int, zeroed: Bool = false, longLived: Bool = false,
                for what: @autoclosure () -> String = "a tensor") throws {
        precondition(byteCount >= 0, "negative byte count")
        let size = Swift.max(byteCount, 1)
        try MemoryLimit.reserve(size, for: what())
        guard let (pointer, mapped) = TensorStorage.allocate(size, longLived: longLived) else {
            MemoryLimit.release(size)
            throw StrataError(.resourceLimit, "\(what()) needs \(MemoryLimit.describe(bytes: byteCount)), which the system cannot provide")
        }
        self.mapped = mapped
        // Fresh pages read as zeros.
        let zeroed = zeroed && !mapped
        self.resolved = Atomic(Int(bitPattern: pointer))
        self.byteCount = byteCount
        self.owner = nil
        self.reserved = size
        self.source = nil
        self.producer = Mutex(nil)
        self.produced = false
        self.release = nil
        if zeroed { memset(pointer, 0, size) }
    }

    /// A copy of `bytes`, which are already in memory: counted against `MemoryLimit` but never refused
    /// by it (such copies are as large as a value the caller built), and a failed allocation stops
    /// the process as it would for that value.
    public init(copying bytes: UnsafeRawBufferPointer) {
        let size = Swift.max(bytes.count, 1)
        guard let pointer = TensorStorage.allocate(size) else {
            fatalError("cannot allocate \(size) bytes to copy a value already in memory")
        }
        MemoryLimit.record(size)
        if let base = bytes.baseAddress, bytes.count > 0 { pointer.copyMemory(from: base, byteCount: bytes.count) }
        self.mapped = false
        self.resolved = Atomic(Int(bitPattern: pointer))
        self.byteCount = bytes.count
        self.owner = nil
        self.reserved = size
        self.source = nil
        self.producer = Mutex(nil)
        self.produced = false
        self.release = nil
    }

    /// Wraps bytes that `owner` keeps alive; they are not freed here. `release`, if given, is called
    /// with them when this storage goes away (to let a mapped file's pages go once a weight that was
    /// only read to be converted is done with).
    public init(borrowing pointer: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject,
                release: (@Sendable (UnsafeMutableRawPointer, Int) -> Void)? = nil) {
        self.mapped = false
        self.resolved = Atomic(Int(bitPattern: pointer))
        self.byteCount = byteCount
        self.owner = owner
        self.reserved = 0
        self.source = nil
        self.producer = Mutex(nil)
        self.produced = false
        self.release = release
    }

    /// A copy of `bytes` (which `owner` keeps alive) into aligned memory, made on the first use of
    /// `pointer`; `release` is then called with the source bytes (to let a mapped file's pages go).
    /// The copy counts against `MemoryLimit` but is never refused by it, like `init(copying:)`.
    public init(deferredCopyOf bytes: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject,
                release: (@Sendable (UnsafeMutableRawPointer, Int) -> Void)? = nil) {
        self.mapped = false
        self.resolved = Atomic(0)
        self.byteCount = byteCount
        self.owner = owner
        self.reserved = Swift.max(byteCount, 1)
        self.source = bytes
        self.producer = Mutex(nil)
        self.produced = false
        self.release = release
    }

    /// `byteCount` bytes that `producer` writes on the first use of `pointer` (a weight rearranged
    /// from the file's layout, see `Tensor.deferredPermuted`): `makeResident` makes them on the
    /// engine's threads. They are reserved in `MemoryLimit` now, as an allocation would be (throwing
    /// `.resourceLimit` naming `what` when they do not fit), so that a model whose weights would not
    /// fit fails while it loads, not in its first run. `producer` should let go of what it read.
    /// Such bytes are never packed in place of their source (`repackingFreesMemory` is false): the
    /// packed copy would be a second one.
    public init(deferred byteCount: Int, for what: @autoclosure () -> String = "a tensor",
                producing producer: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) throws {
        try MemoryLimit.reserve(Swift.max(byteCount, 1), for: what())
        self.mapped = false
        self.resolved = Atomic(0)
        self.byteCount = byteCount
        self.owner = nil
        self.reserved = Swift.max(byteCount, 1)
        self.source = nil
        self.producer = Mutex(producer)
        self.produced = true
        self.release = nil
    }

    /// Brings every byte into memory now: makes a deferred copy, and reads one byte per page of
    /// borrowed bytes (a mapped file's pages are otherwise read on first use). For timing a load
    /// as the whole cost of having the weights ready. Bytes a kernel keeps in its own layout
    /// (`markRepacked`) stay where they are: the repacked copy is what a run reads.
    public func makeResident() {
        if repacked.load(ordering: .acquiring) { return }
        let base = UnsafeRawPointer(pointer)
        var sum: UInt8 = 0
        for offset in stride(from: 0, to: byteCount, by: 4096) { sum &+= base.load(fromByteOffset: offset, as: UInt8.self) }
        TensorStorage.sink.store(sum, ordering: .relaxed)
    }

    /// Calls `body` with the bytes as they are now, without making a deferred copy: the aligned copy
    /// when one was made, else the source bytes, which may be unaligned (read them with `loadUnaligned`
    /// or copy them); a producer's bytes not made yet are made for `body` alone and freed after it
    /// (`body` must not use `pointer` then). For a kernel that repacks a weight into its own layout
    /// once, so that the weight is not copied twice.
    public func withBytesInPlace<R>(_ body: (UnsafeRawPointer) throws -> R) rethrows -> R {
        let address = resolved.load(ordering: .acquiring)
        if address == 0, let source { return try body(UnsafeRawPointer(source)) }
        if address == 0, produced, let result = try withProducedOnce(body) { return result }
        return try body(UnsafeRawPointer(pointer))
    }

    /// Whether the bytes are a producer's not made yet (`init(deferred:producing:)`): a kernel that
    /// repacks them from `withBytesInPlace` and calls `markRepacked` keeps its copy instead of them,
    /// not beside them.
    public var awaitsProducer: Bool {
        produced && resolved.load(ordering: .acquiring) == 0
    }

    /// `body` over a producer's bytes made into a block of their own that is freed after it, the
    /// producer kept for a later use of `pointer`; nil when the bytes were made meanwhile. The block
    /// is the one `MemoryLimit` already holds for these bytes, so it is not reserved again.
    private func withProducedOnce<R>(_ body: (UnsafeRawPointer) throws -> R) rethrows -> R? {
        try producer.withLock { producer -> R? in
            guard resolved.load(ordering: .acquiring) == 0, let producer else { return nil }
            guard let block = TensorStorage.allocate(reserved) else {
                fatalError("cannot allocate \(reserved) bytes for a weight")
            }
            defer { TensorStorage.deallocate(block) }
            producer(block)
            return try body(UnsafeRawPointer(block))
        }
    }

    /// Records that a kernel now holds these bytes in a layout of its own and reads them from there:
    /// `makeResident` leaves them alone, and a mapped file's pages under them (or under a deferred
    /// copy not yet made) are let go now, so that the repacked copy takes their place in memory
    /// instead of adding to it; a producer's bytes not made yet stay unmade. Reading `pointer` later
    /// still works (the pages are read again, or the bytes made then).
    public func markRepacked() {
        guard !repacked.exchange(true, ordering: .acquiringAndReleasing) else { return }
        releasePages(0 ..< byteCount)
    }

    /// Lets a mapped file's pages under bytes `range` go now, as `markRepacked` does for all of them,
    /// for a kernel that repacks the bytes a piece at a time: its source pages and its packed copy
    /// are then never both in memory in full. Nothing for owned bytes or a deferred copy already
    /// made. The pages are read again if the bytes are used.
    public func releasePages(_ range: Range<Int>) {
        guard range.lowerBound >= 0, range.upperBound <= byteCount, !range.isEmpty else { return }
        if let source, resolved.load(ordering: .acquiring) == 0 {
            release?(source + range.lowerBound, range.count)
        } else if source == nil, owner != nil, let release {
            release(pointer + range.lowerBound, range.count)
        }
    }

    /// Whether `markRepacked` lets these bytes' pages go: bytes in a mapped file, borrowed or waiting
    /// to be copied. A kernel keeps a repacked copy only of these; of other bytes (owned, or held by
    /// a parsed message) the copy would add to memory, not replace.
    public var repackingFreesMemory: Bool {
        release != nil && (source != nil ? resolved.load(ordering: .acquiring) == 0 : owner != nil)
    }

    /// Set by `markRepacked`.
    private let repacked = Atomic<Bool>(false)

    /// Where `makeResident` leaves its sum, so that its reads are not optimised away.
    private static let sink = Atomic<UInt8>(0)

    /// Makes the deferred copy; when threads race, one copy wins and the others are freed. Bytes a
    /// producer writes are made once, the other threads waiting for them.
    private func materialize() -> UnsafeMutableRawPointer {
        if produced {
            return producer.withLock { producer in
                let address = resolved.load(ordering: .acquiring)
                if address != 0 { return UnsafeMutableRawPointer(bitPattern: address)! }
                guard let (made, pages) = TensorStorage.allocate(reserved, longLived: true) else {
                    fatalError("cannot allocate \(reserved) bytes for a weight")
                }
                producer?(made)
                producer = nil
                mapped = pages
                resolved.store(Int(bitPattern: made), ordering: .releasing)
                return made
            }
        }
        // The copy of a weight, kept as long as the model.
        guard let source, let (copy, pages) = TensorStorage.allocate(reserved, longLived: true) else {
            fatalError("cannot allocate \(reserved) bytes to copy a weight already in memory")
        }
        copy.copyMemory(from: source, byteCount: byteCount)
        let (exchanged, current) = resolved.compareExchange(expected: 0, desired: Int(bitPattern: copy), ordering: .acquiringAndReleasing)
        guard exchanged else {
            TensorStorage.deallocate(copy, reserved, mapped: pages)
            return UnsafeMutableRawPointer(bitPattern: current)!
        }
        mapped = pages
        MemoryLimit.record(reserved)
        release?(source, byteCount)
        return copy
    }

    deinit {
        if produced {
            // Reserved when made, whether or not the bytes ever were.
            if let address = UnsafeMutableRawPointer(bitPattern: resolved.load(ordering: .acquiring)) { giveBack(address) }
            MemoryLimit.release(reserved)
        } else if owner == nil {
            giveBack(pointer)
            MemoryLimit.release(reserved)
        } else if source != nil, let address = UnsafeMutableRawPointer(bitPattern: resolved.load(ordering: .acquiring)) {
            giveBack(address)
            MemoryLimit.release(reserved)
        } else if source == nil, let release {
            release(pointer, byteCount)
        }
    }

    /// 64-byte aligned memory from the C allocator, nil when it has none (unlike Swift's allocator,
    /// which stops the process). The block is `malloc`ed 64 bytes larger and its start is kept in
    /// the 8 bytes before the aligned address.
    ///
    /// Not `posix_memalign`: glibc's heap reuses freed aligned blocks so poorly in the engine's pattern
    /// (the same sizes freed and requested again image after image) that a 200-image `strata run` of
    /// MobileNetV2 grew to 300–700 MB resident with 16 MB live, and spent seconds in page faults.
    /// Plain `malloc` blocks coalesce and are reused: the same run stays at about 60 MB.
    private static func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        let (padded, overflow) = size.addingReportingOverflow(alignment)
        guard !overflow, let block = malloc(padded) else { return nil }
        let aligned = UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: block) + alignment) & ~(alignment - 1))!
        (aligned - MemoryLayout<UnsafeMutableRawPointer>.size).storeBytes(of: block, as: UnsafeMutableRawPointer.self)
        return aligned
    }

    /// Gives back owned bytes, wherever they came from.
    private func giveBack(_ address: UnsafeMutableRawPointer) {
        TensorStorage.deallocate(address, reserved, mapped: mapped)
    }

    /// `size` bytes from `LongLivedPages` where `longLived` and it has them (`mapped` true), else from
    /// `allocate(_:)`; nil when neither can provide them.
    private static func allocate(_ size: Int, longLived: Bool) -> (pointer: UnsafeMutableRawPointer, mapped: Bool)? {
        if longLived, let pages = LongLivedPages.map(size) { return (pages, true) }
        return allocate(size).map { ($0, false) }
    }

    /// Frees `size` bytes `allocate(_:longLived:)` returned.
    private static func deallocate(_ address: UnsafeMutableRawPointer, _ size: Int, mapped: Bool) {
        if mapped { LongLivedPages.unmap(address, size) } else { deallocate(address) }
    }

    /// Frees memory `allocate` returned.
    private static func deallocate(_ aligned: UnsafeMutableRawPointer) {
        free((aligned - MemoryLayout<UnsafeMutableRawPointer>.size).load(as: UnsafeMutableRawPointer.self))
    }

    /// The alignment `allocate` gives: a cache line, and a whole AVX-512 vector.
    private static let alignment = 64
}
