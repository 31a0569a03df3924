import StrataCore
import Synchronization

/// A constant convolution weight ([M, C, kh, kw]) copied once into tap-major order ([taps][M][C]),
/// so that each tap's weights are a row-major M × C matrix for `ConvProblem.runByTaps`.
///
/// The copy takes the weight's place in memory where the weight's bytes can go (a mapped file's
/// pages, a Keras kernel permuted on first use that has not been yet: `TensorStorage.markRepacked`);
/// anything else that reads the weight (another convolution path, a gradient, a capture) still gets
/// it, read again from the file or permuted then. Keras ResNet50's nine such kernels (42 MB) were
/// held twice before, taking a run's peak 40 MB over the bound. Weights whose bytes cannot
/// go (owned ones) keep the copy beside them. Only convolutions that run tap by tap get one
/// (`ConvProblem.runsByTaps`: windows mostly in padding, where it saves more work than it costs
/// memory, and rows too wide for im2col's bands, where it saves reading the weight once per band).
final class TapMajorWeight: Sendable {
    let maps: Int
    let channels: Int
    let taps: Int
    private let weight: Tensor
    private let name: String
    private let permuted = Mutex<TensorStorage?>(nil)

    /// `weight` is [M, C, kernel…], float32; nil for any other.
    init?(_ weight: Tensor, name: String) {
        guard weight.dtype == .float32, weight.rank >= 3, weight.count > 0 else { return nil }
        self.weight = weight
        self.name = name
        maps = weight.shape[0]
        channels = weight.shape[1]
        taps = weight.shape.dropFirst(2).reduce(1, *)
    }

    /// Whether `tensor` is the weight this copies (a run could feed another value in its place).
    func holds(_ tensor: Tensor) -> Bool {
        tensor.storage === weight.storage && tensor.byteOffset == weight.byteOffset && tensor.shape == weight.shape
    }

    /// The tap-major copy, made on the first call. Throws `.resourceLimit` when it does not fit in
    /// `MemoryLimit`.
    func values() throws -> UnsafePointer<Float> {
        try permuted.withLock { stored in
            if let stored { return UnsafePointer(stored.pointer.assumingMemoryBound(to: Float.self)) }
            let (m, c, t) = (maps, channels, taps)
            let storage = try TensorStorage(byteCount: m * c * t * MemoryLayout<Float>.stride, longLived: true,
                                            for: "the tap-major weight of \(name)")
            let out = storage.pointer.assumingMemoryBound(to: Float.self)
            let whole = weight.byteOffset == 0 && weight.byteCount == weight.storage.byteCount
            let replaces = whole && (weight.storage.repackingFreesMemory || weight.storage.awaitsProducer)
            weight.storage.withBytesInPlace { bytes in
                // The bytes may lie unaligned inside a mapped file.
                let source = bytes + weight.byteOffset
                for map in 0..<m {
                    for channel in 0..<c {
                        let from = (map * c + channel) * t
                        for tap in 0..<t {
                            out[(tap * m + map) * c + channel] =
                                source.loadUnaligned(fromByteOffset: (from + tap) * MemoryLayout<Float>.stride, as: Float.self)
                        }
                    }
                }
            }
            if replaces { weight.storage.markRepacked() }
            stored = storage
            return UnsafePointer(out)
        }
    }
}
