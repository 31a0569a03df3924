import Foundation

/// Memory for blocks that live as long as a model (weights permuted, packed or copied while it
/// loads), mapped on its own so that its pages can be had in bulk rather than one fault at a time.
///
/// Loading ResNet-50 writes about 100 MB of such blocks; from `malloc`, each 4 KB page cost a fault
/// and a cleared page on its first write. Two ways to have them faster (Linux):
/// - 2 MB pages (`madvise(MADV_HUGEPAGE)`): 512 times fewer faults. ResNet-50's ONNX load went from
///   72-98 ms to 50-60 at one thread, ViT-B/16's from 204-239 to 112-137. But a virtual machine whose
///   balloon reports free memory to the host (virtio free page reporting) hands its free 2 MB blocks
///   back, and those are exactly what a 2 MB page is made of: on such a VM, once idle for a few
///   seconds, ViT-B/16 loaded in 0.9-1.7 s instead of 0.24-0.32 (the host filling each block anew).
///   So they are asked for only where no balloon reports free pages.
/// - Otherwise, the whole block faulted in by one call (`MADV_POPULATE_WRITE`, Linux 5.14; older
///   kernels refuse the advice and the block faults as before): at one thread ViT-B/16 216-308 →
///   189-237 ms, ResNet-50 73-80 → 67-75; no gain at two (Docs/Benchmarks.md).
///
/// `STRATA_HUGE_PAGES=1` or `0` overrides the choice. Blocks made and freed during runs stay with
/// `malloc`, which reuses them without faults; mapping them anew each time would not.
enum LongLivedPages {
    /// The size of a transparent huge page on x86-64 and on arm64 with 4 KB pages.
    static let hugePage = 2 << 20
    /// Blocks smaller than this come from `malloc`: a mapping of their own would save little.
    static let smallest = 256 << 10

    /// Whether blocks ask for 2 MB pages (see above).
    static let asksForHugePages: Bool = {
        if let forced = ProcessInfo.processInfo.environment["STRATA_HUGE_PAGES"], forced == "0" || forced == "1" {
            return forced == "1"
        }
        return !balloonReportsFreePages()
    }()

    /// `size` bytes of zeroed memory starting on a 2 MB boundary, or nil for a small block, on systems
    /// other than Linux, or when the mapping fails (the caller then uses `malloc`). `hugePages`
    /// asks for 2 MB pages, else the pages are faulted in now.
    static func map(_ size: Int, hugePages: Bool = asksForHugePages) -> UnsafeMutableRawPointer? {
        #if os(Linux)
        guard size >= smallest, let length = length(of: size),
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
        _ = madvise(pointer, length, hugePages ? MADV_HUGEPAGE : populateWrite)
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

    /// `MADV_POPULATE_WRITE`, which Glibc's headers name only from 2.35.
    private static let populateWrite: Int32 = 23

    /// `size` rounded up to whole pages of the system (4 KB here, 16 or 64 KB on some arm64 kernels).
    private static func length(of size: Int) -> Int? {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0, case let (padded, overflow) = size.addingReportingOverflow(page - 1), !overflow else { return nil }
        return padded / page * page
    }
}
