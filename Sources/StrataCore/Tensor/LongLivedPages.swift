import Foundation

/// Memory for blocks that live as long as a model (weights permuted, packed or copied while it
/// loads), on 2 MB pages where that is safe: mapped on their own, 2 MB-aligned, and marked for
/// transparent huge pages (`madvise(MADV_HUGEPAGE)`, Linux).
///
/// Loading ResNet-50 writes about 100 MB of such blocks; from `malloc`, each 4 KB page of them costs
/// a fault and a cleared page on its first write. With 2 MB pages ResNet-50's ONNX load went from
/// 72-98 ms to 50-60 at one thread (and 52-71 to 42-53 at two), ViT-B/16's from 204-239 to 112-137.
/// But a virtual machine whose balloon reports free memory to the host (virtio free page reporting)
/// hands its free 2 MB blocks back, and those are exactly what a 2 MB page is made of: on such a VM,
/// once idle for a few seconds, ViT-B/16 loaded in 0.9-1.7 s instead of 0.24-0.32 (the host filling
/// each block anew). So they are asked for only where no balloon reports free pages; elsewhere
/// `map` returns nil and the blocks come from `malloc` as before. Faulting each block in by one call
/// (`MADV_POPULATE_WRITE`) instead was measured and not kept: 8-10 % faster loads at one thread,
/// 10-15 % slower at two, where each block's own `mmap` waits on the other thread's faults.
///
/// `STRATA_HUGE_PAGES=1` or `0` overrides the choice. Blocks made and freed during runs stay with
/// `malloc`, which reuses them without faults; mapping them anew each time would not.
enum LongLivedPages {
    /// The size of a transparent huge page on x86-64 and on arm64 with 4 KB pages. Smaller blocks
    /// come from `malloc`: no 2 MB page fits inside them.
    static let hugePage = 2 << 20

    /// Whether blocks ask for 2 MB pages (see above).
    static let asksForHugePages: Bool = {
        if let forced = ProcessInfo.processInfo.environment["STRATA_HUGE_PAGES"], forced == "0" || forced == "1" {
            return forced == "1"
        }
        return !balloonReportsFreePages()
    }()

    /// `size` bytes of zeroed memory starting on a 2 MB boundary and asking for 2 MB pages; nil for
    /// a block under 2 MB, where `hugePages` is false, on systems other than Linux, or when the
    /// mapping fails (the caller then uses `malloc`).
    static func map(_ size: Int, hugePages: Bool = asksForHugePages) -> UnsafeMutableRawPointer? {
        #if os(Linux)
        guard hugePages, size >= hugePage, let length = length(of: size),
              case let (reach, overflow) = length.addingReportingOverflow(hugePage), !overflow,
              let block = mmap(nil, reach, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), block != MAP_FAILED
        else { return nil }
        // Mapped one huge page longer, then trimmed to start on a boundary: the ends given back are
        // whole pages, so `unmap` later needs only the start and the length.
        let start = (Int(bitPattern: block) + hugePage - 1) & ~(hugePage - 1)
        let head = start - Int(bitPattern: block)
        if head > 0 { munmap(block, head) }
        if reach - head - length > 0 { munmap(UnsafeMutableRawPointer(bitPattern: start + length)!, reach - head - length) }
        let pointer = UnsafeMutableRawPointer(bitPattern: start)!
        _ = madvise(pointer, length, MADV_HUGEPAGE)
        return pointer
        #else
        return nil
        #endif
    }

    /// Gives back a block `map(size)` returned.
    static func unmap(_ pointer: UnsafeMutableRawPointer, _ size: Int) {
        if let length = length(of: size) { munmap(pointer, length) }
    }

    /// Whether a virtio balloon bound here offers free page reporting: a feature string (one '0' or
    /// '1' per feature bit, as sysfs shows it) with bit 5, `VIRTIO_BALLOON_F_REPORTING`, set.
    static func reportsFreePages(features: String) -> Bool {
        let bits = Array(features.utf8)
        return bits.count > 5 && bits[5] == UInt8(ascii: "1")
    }

    private static func balloonReportsFreePages() -> Bool {
        let driver = "/sys/bus/virtio/drivers/virtio_balloon"
        guard let devices = try? FileManager.default.contentsOfDirectory(atPath: driver) else { return false }
        return devices.contains { device in
            device.hasPrefix("virtio")
                && (try? String(contentsOfFile: "\(driver)/\(device)/features", encoding: .utf8)).map { reportsFreePages(features: $0) } == true
        }
    }

    /// `size` rounded up to whole pages of the system (4 KB here, 16 or 64 KB on some arm64 kernels).
    private static func length(of size: Int) -> Int? {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0, case let (padded, overflow) = size.addingReportingOverflow(page - 1), !overflow else { return nil }
        return padded / page * page
    }
}
