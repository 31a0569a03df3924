import CStrataKernels
import StrataCore
import Synchronization

/// A constant float32 matrix B of a product (`MatMul`'s weight), packed once into the column panels
/// Strata's own GEMM reads (`strata_sgemm_pack_b`) instead of on every call.
///
/// Packing per call copied each weight once per run: ViT-B/16 reads 340 MB of weights a run, and the
/// packed GEMM is 3-8 % faster on its products (C harness, 197 × 768 × 2304 … 197 × 3072 × 768).
/// The packed copy takes the place of the weight's bytes in memory rather than adding to them: it
/// is packed from the bytes where they lie (a deferred copy of a mapped file's bytes is never
/// made), and the file's pages under them are let go (`TensorStorage.markRepacked`). Anything else
/// that reads the weight (a gradient, a capture) still gets it, read again from the file.
///
/// Only tiers with their own GEMM use it (`strata_sgemm_packed_supported`); the others run OpenBLAS
/// on the weight as it is, and nothing is packed. Only weights whose bytes the packed copy can
/// replace are packed: the whole of a mapped file's bytes (`TensorStorage.repackingFreesMemory`), or
/// a Keras kernel whose permutation has not been made yet (`awaitsProducer`: it is made into a block
/// freed once packed). A kernel already permuted, or a weight held by a parsed message, stays as it
/// is rather than being held twice. (Keras kernels were left out before: Keras MobileNetV2's last
/// layer, 320 → 1280 channels on 7 × 7, took 0.62 ms as a per-call product against 0.45 for the same
/// layer turned round in torchvision's export.)
final class PackedGemmWeight: Sendable {
    let k: Int
    let n: Int
    /// Column groups packed apart, each into whole panels of its own (a grouped convolution's
    /// groups of output channels, each multiplied by its own A): group g's panels start
    /// `groupFloats · g` floats in.
    let groups: Int
    private let weight: Tensor
    private let transposed: Bool
    private let name: String
    /// Panels of a transposed weight packed before their source pages are let go.
    static let chunkPanels = 4
    /// The panels, once packed.
    private let packed = Mutex<TensorStorage?>(nil)

    /// `weight` is B (k × n), or Bᵀ (n × k) when `transposed`: a rank-2 float32 constant. With
    /// `groups` (only when `transposed`), B's columns in that many equal groups, packed apart.
    init?(_ weight: Tensor, transposed: Bool = false, groups: Int = 1, name: String) {
        // Only bytes whose pages go when packed: a packed copy of any others would be a second copy.
        guard weight.dtype == .float32, weight.rank == 2, weight.count > 0,
              weight.storage.repackingFreesMemory || weight.storage.awaitsProducer,
              weight.byteOffset == 0, weight.storage.byteCount == weight.byteCount,
              weight.shape[0] <= Int(Int32.max), weight.shape[1] <= Int(Int32.max),
              groups >= 1, groups == 1 || (transposed && weight.shape[0] % groups == 0) else { return nil }
        self.weight = weight
        self.transposed = transposed
        self.groups = groups
        self.name = name
        (k, n) = transposed ? (weight.shape[1], weight.shape[0]) : (weight.shape[0], weight.shape[1])
    }

    /// Floats of one group's panels.
    var groupFloats: Int { strata_sgemm_packed_floats(Int32(k), Int32(n / groups)) }

    /// Whether products with A of `type` may have more than one row (all of A's axes but the last
    /// fold into rows). A product known to have one row runs as dot products on the weight as it is
    /// and packs nothing; where the rows are not known the weight is packed, and a run with one row
    /// uses the packed copy too.
    static func mayHaveRows(_ type: ValueType?) -> Bool {
        guard let shape = type?.shape, shape.count >= 2 else { return type?.shape == nil }
        return shape.dropLast().contains { $0.value.map { $0 > 1 } ?? true }
    }

    /// Whether `tensor` is the weight this packs (a run could feed another value in its place).
    func holds(_ tensor: Tensor) -> Bool {
        tensor.storage === weight.storage && tensor.byteOffset == weight.byteOffset && tensor.shape == weight.shape
    }

    /// Whether `tensor` has the weight's bytes, in any shape (a convolution's weight seen as a matrix).
    func holds(bytesOf tensor: Tensor) -> Bool {
        tensor.storage === weight.storage && tensor.byteOffset == weight.byteOffset && tensor.count == weight.count
    }

    /// The packed panels for `strata_sgemm_packed`, packed on the first call; nil when the active
    /// tier has no packed GEMM. Throws `.resourceLimit` when the panels do not fit in `MemoryLimit`.
    func panels() throws -> UnsafePointer<Float>? {
        guard strata_sgemm_packed_supported() != 0 else { return nil }
        return try packed.withLock { stored in
            if let stored { return UnsafePointer(stored.pointer.assumingMemoryBound(to: Float.self)) }
            let floats = groupFloats * groups
            let storage = try TensorStorage(byteCount: floats * MemoryLayout<Float>.stride, longLived: true,
                                            for: "the packed weight of \(name)")
            let out = storage.pointer.assumingMemoryBound(to: Float.self)
            weight.storage.withBytesInPlace { bytes in
                let source = bytes + weight.byteOffset
                guard transposed else {
                    strata_sgemm_pack_b(Int32(k), Int32(n), source, n, 1, out)
                    return
                }
                // Bᵀ's rows are B's columns: a few panels at a time, each chunk's source pages let go
                // once it is packed, so that the file's pages and the packed copy of a large weight
                // are not both in memory (ResNet-50's peak grew by its largest kernel, 9.4 MB).
                let columns = Self.chunkPanels * 32, rowBytes = k * MemoryLayout<Float>.stride
                let perGroup = n / groups
                for g in 0..<groups {
                    let start = g * perGroup, target = out + g * groupFloats
                    for first in stride(from: start, to: start + perGroup, by: columns) {
                        let count = Swift.min(columns, start + perGroup - first)
                        strata_sgemm_pack_b(Int32(k), Int32(count), source + first * rowBytes, 1, k, target + (first - start) * k)
                        weight.storage.releasePages(first * rowBytes ..< (first + count) * rowBytes)
                    }
                }
            }
            weight.storage.markRepacked()
            stored = storage
            return UnsafePointer(out)
        }
    }
}
