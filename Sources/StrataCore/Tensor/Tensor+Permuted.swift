extension Tensor {
    /// A contiguous copy with the axes reordered: axis `i` of the result is axis `perm[i]` of this
    /// tensor (NumPy's `transpose(perm)`), for every dtype.
    ///
    /// Used where weights change layout while a model loads (Keras' HWIO kernels to OIHW, constants
    /// moved by transpose sinking), so it must run at memory speed on a 100 MB model: axes are merged
    /// where they stay adjacent, and when no axis is contiguous on both sides the copy goes through
    /// cache-sized tiles that read along the source's contiguous axis and write along the result's.
    public func permuted(_ perm: [Int]) throws -> Tensor {
        checkPermutation(perm)
        let out = try Tensor(dtype: dtype, shape: perm.map { shape[$0] })
        guard out.count > 0 else { return out }
        PermutePlan(shape: shape, perm: perm).copy(elementSize: dtype.byteSize, from: rawPointer, to: out.rawPointer)
        return out
    }

    /// `permuted(perm)`, made on the first use of the result's bytes rather than now, in memory kept
    /// as long as the model: for a weight put in another layout while a model loads (Keras' HWIO
    /// kernels to OIHW), so that the engine's threads make them together (`Engine.prepareWeights`)
    /// and commands that never read the weight never make it. Its bytes count against `MemoryLimit`
    /// from now (`.resourceLimit` when they do not fit). Once made, this tensor's bytes are let go
    /// where they are a mapped file's pages (`TensorStorage.releasePages`).
    public func deferredPermuted(_ perm: [Int]) throws -> Tensor {
        checkPermutation(perm)
        let shape = perm.map { self.shape[$0] }
        let byteCount = try Tensor.byteCount(dtype: dtype, shape: shape)
        guard byteCount > 0 else { return try Tensor(dtype: dtype, shape: shape) }
        let plan = PermutePlan(shape: self.shape, perm: perm), source = self
        let storage = try TensorStorage(deferred: byteCount, for: ValueType(dtype, concrete: shape).description) { out in
            plan.copy(elementSize: source.dtype.byteSize, from: source.rawPointer, to: out)
            source.storage.releasePages(source.byteOffset ..< source.byteOffset + source.byteCount)
        }
        return Tensor(dtype: dtype, shape: shape, storage: storage)
    }

    private func checkPermutation(_ perm: [Int]) {
        precondition(perm.count == rank && Set(perm) == Set(0 ..< rank), "permuted: \(perm) is not a permutation of \(rank) axes")
    }
}

/// The loops of one permuted copy: the result's axes with their lengths and their strides (in
/// elements) in the source and in the result, unit axes dropped and neighbours that stay adjacent
/// on both sides merged.
private struct PermutePlan {
    /// Outermost first; the last one has result stride 1.
    private let axes: [CopyAxes.Axis]

    init(shape: [Int], perm: [Int]) {
        var sourceStrides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { sourceStrides[i] = sourceStrides[i + 1] * shape[i + 1] }
        var resultStrides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: perm.count - 2, through: 0, by: -1) { resultStrides[i] = resultStrides[i + 1] * shape[perm[i + 1]] }
        axes = CopyAxes.merged(perm.enumerated().map { k, axis in (shape[axis], sourceStrides[axis], resultStrides[k]) })
    }

    /// Performs the copy of elements of `elementSize` bytes (1, 2, 4 or 8).
    func copy(elementSize: Int, from source: UnsafeRawPointer, to result: UnsafeMutableRawPointer) {
        switch elementSize {
        case 1: copy(UInt8.self, from: source, to: result)
        case 2: copy(UInt16.self, from: source, to: result)
        case 4: copy(UInt32.self, from: source, to: result)
        default: copy(UInt64.self, from: source, to: result)
        }
    }

    /// Performs the copy of `T`-sized elements. Both buffers hold the whole tensor.
    func copy<T>(_: T.Type, from source: UnsafeRawPointer, to result: UnsafeMutableRawPointer) {
        let src = source.assumingMemoryBound(to: T.self)
        let dst = result.assumingMemoryBound(to: T.self)
        let inner = axes[axes.count - 1]
        if inner.source == 1 {
            // Runs contiguous on both sides.
            forEachOuter(excluding: [axes.count - 1]) { s, d in
                (dst + d).update(from: src + s, count: inner.n)
            }
            return
        }
        guard let acrossIndex = axes.indices.first(where: { axes[$0].source == 1 }) else {
            forEachOuter(excluding: [axes.count - 1]) { s, d in
                for i in 0 ..< inner.n { dst[d + i] = src[s + i * inner.source] }
            }
            return
        }
        // A 2-D transpose per outer position: `across` is contiguous in the source, `inner` in the
        // result. Tiles of 32 × 32 keep both the lines read and the lines written in cache, copied
        // as 8 × 8 blocks: a whole tile reads 32 source lines a power-of-two stride apart (a
        // 2048-wide Keras kernel: 8 KB), which all fall in one set of the L1 cache and evict each
        // other before their other values are read; eight lines fit in the set's ways. In a C model
        // of this loop a 1024 × 2048 transpose took 2.8 ns a value without the blocks and 0.6-1.9
        // with them; a whole ResNet50 `.h5` load gained only 2 % (129 → 126 ms), since reading the
        // weights from memory bounds it.
        let across = axes[acrossIndex]
        let tile = 32, block = 8
        forEachOuter(excluding: [acrossIndex, axes.count - 1]) { s, d in
            for a0 in stride(from: 0, to: across.n, by: tile) {
                let a1 = Swift.min(a0 + tile, across.n)
                for i0 in stride(from: 0, to: inner.n, by: tile) {
                    let i1 = Swift.min(i0 + tile, inner.n)
                    for ab in stride(from: a0, to: a1, by: block) {
                        let ae = Swift.min(ab + block, a1)
                        for ib in stride(from: i0, to: i1, by: block) {
                            let ie = Swift.min(ib + block, i1)
                            for a in ab ..< ae {
                                let from = src + s + a, to = dst + d + a * across.destination
                                for i in ib ..< ie { to[i] = from[i * inner.source] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Calls `body` with the source and result offsets of every position of the axes not in `excluded`.
    private func forEachOuter(excluding excluded: Set<Int>, _ body: (Int, Int) -> Void) {
        let outer = axes.indices.filter { !excluded.contains($0) }.map { axes[$0] }
        var index = [Int](repeating: 0, count: outer.count)
        var s = 0, d = 0
        while true {
            body(s, d)
            var k = outer.count - 1
            while k >= 0 {
                index[k] += 1
                s += outer[k].source
                d += outer[k].destination
                if index[k] < outer[k].n { break }
                s -= outer[k].source * outer[k].n
                d -= outer[k].destination * outer[k].n
                index[k] = 0
                k -= 1
            }
            if k < 0 { return }
        }
    }
}
