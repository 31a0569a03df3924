import StrataCore

/// A copy between two strided views of memory, by element size, so it serves every dtype.
///
/// Both views have the same `shape`; strides are in elements and may be zero (broadcast reads)
/// or negative (reversed reads). Adjacent dims that are contiguous in both views are merged first,
/// rows that are contiguous in both are copied with `memcpy`, and a batched 2-D transpose (the
/// shape of NCHW↔NHWC and most Transpose nodes) is copied in cache-sized tiles.
struct StridedCopy {
    var shape: [Int]
    var sourceStrides: [Int]
    var destinationStrides: [Int]

    /// Element offsets of the first element in each view.
    var sourceOffset = 0
    var destinationOffset = 0

    init(shape: [Int], sourceStrides: [Int], destinationStrides: [Int], sourceOffset: Int = 0, destinationOffset: Int = 0) {
        precondition(shape.count == sourceStrides.count && shape.count == destinationStrides.count)
        self.shape = shape
        self.sourceStrides = sourceStrides
        self.destinationStrides = destinationStrides
        self.sourceOffset = sourceOffset
        self.destinationOffset = destinationOffset
    }

    /// A copy that reads `source` through `sourceStrides` into a fresh contiguous tensor of `shape`.
    static func gather(_ source: Tensor, shape: [Int], strides: [Int], offset: Int = 0, context: ExecutionContext) throws -> Tensor {
        let out = try Tensor(dtype: source.dtype, shape: shape)
        StridedCopy(shape: shape, sourceStrides: strides, destinationStrides: contiguousStrides(shape), sourceOffset: offset)
            .run(from: source.rawPointer, to: out.rawPointer, elementSize: source.dtype.byteSize, context: context)
        return out
    }

    /// The elements `gather` would copy, as a view sharing `source`'s storage where they lie in it
    /// contiguous and in order (a Transpose that moves only axes of length 1, a Slice or Split of a
    /// whole block), else as `gather`'s copy. A view costs nothing, where the copy read memory that
    /// at two threads the other core had often just written (ViT-B/16's no-op Transposes took 0.017 ms
    /// at one thread and 0.14-0.16 ms at two with the threads on different core complexes). Sharing is
    /// safe because a tensor is never written once handed on.
    static func elements(of source: Tensor, shape: [Int], strides: [Int], offset: Int = 0, context: ExecutionContext) throws -> Tensor {
        if let view = contiguousView(of: source, shape: shape, strides: strides, offset: offset) { return view }
        return try gather(source, shape: shape, strides: strides, offset: offset, context: context)
    }

    /// `source`'s elements `offset`, … read through `strides` as a tensor of `shape`, when they are
    /// the contiguous run starting at `offset` in row-major order: the strides of the axes longer
    /// than 1 are those of a contiguous tensor of `shape`. Nil otherwise, and for no elements.
    static func contiguousView(of source: Tensor, shape: [Int], strides: [Int], offset: Int) -> Tensor? {
        guard shape.count == strides.count, let count = shape.checkedElementCount, count > 0, offset >= 0 else { return nil }
        var expected = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            guard strides[d] == expected else { return nil }
            expected *= shape[d]
        }
        guard count <= source.count - offset else { return nil }
        return Tensor(dtype: source.dtype, shape: shape, storage: source.storage, byteOffset: source.byteOffset + offset * source.dtype.byteSize)
    }

    /// Row-major strides (in elements) of a contiguous tensor of `shape`. Products wrap: they
    /// can only overflow for an empty shape (a zero dim after huge ones), whose strides are unused.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = s
            s = s &* shape[d]
        }
        return strides
    }

    /// This copy with unit dims dropped and mergeable neighbours joined (fewest, longest loops).
    func simplified() -> StridedCopy {
        let dims = CopyAxes.merged(shape.indices.map { (shape[$0], sourceStrides[$0], destinationStrides[$0]) })
        return StridedCopy(shape: dims.map(\.n), sourceStrides: dims.map(\.source), destinationStrides: dims.map(\.destination),
                           sourceOffset: sourceOffset, destinationOffset: destinationOffset)
    }

    /// Performs the copy. The views must lie inside the memory behind the pointers.
    func run(from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, elementSize: Int, context: ExecutionContext) {
        let total = shape.elementCount
        guard total > 0 else { return }
        let plan = simplified()
        let src = RawAddress(source + plan.sourceOffset * elementSize)
        let dst = RawAddress(UnsafeRawPointer(destination) + plan.destinationOffset * elementSize)
        let r = plan.shape.count
        if r == 1, plan.sourceStrides[0] == 1, plan.destinationStrides[0] == 1 {
            Self.copyBlock(src, dst, bytes: plan.shape[0] * elementSize, context: context)
        } else if r >= 2, plan.sourceStrides[r - 2] == 1, plan.destinationStrides[r - 1] == 1,
           plan.shape[r - 1] >= 8, plan.shape[r - 2] >= 8 {
            plan.runTransposed(src, dst, elementSize: elementSize, context: context)
        } else if r >= 2, plan.shape[r - 1] < 16, plan.shape[r - 2] > plan.shape[r - 1] {
            plan.runPlanes(src, dst, elementSize: elementSize, context: context)
        } else {
            plan.runRows(src, dst, elementSize: elementSize, context: context)
        }
    }

    /// Parts of a contiguous block copied by one thread each: from two parts up, about this many bytes each.
    static let blockPartBytes = 1 << 18

    /// One contiguous block (a batch-1 Concat or Split along channels): cut into parts for the
    /// threads from twice `blockPartBytes`. A block the threads have just produced lies half in each
    /// core's cache; copied by one thread, SqueezeNet's channel Concats took 0.17 ms at one thread and
    /// 0.30 at two (0.25 so cut).
    private static func copyBlock(_ src: RawAddress, _ dst: RawAddress, bytes: Int, context: ExecutionContext) {
        let parts = bytes / blockPartBytes
        guard context.threads > 1, parts >= 2 else {
            dst.mutablePointer.copyMemory(from: src.pointer, byteCount: bytes)
            return
        }
        // Part boundaries on 64-byte multiples, so that no two threads write one cache line of the
        // destination where it is so aligned.
        let part = ((bytes + parts - 1) / parts + 63) & ~63
        context.parallelFor(parts) { range in
            let start = range.lowerBound * part, end = Swift.min(bytes, range.upperBound * part)
            if start < end { (dst.mutablePointer + start).copyMemory(from: src.pointer + start, byteCount: end - start) }
        }
    }

    /// Visits the outer index space (all dims but the last `inner`) in parallel chunks, giving
    /// the source and destination element offsets of each outer position.
    private func forEachOuter(inner: Int, context: ExecutionContext, minChunk: Int,
                              _ body: @escaping @Sendable (_ src: Int, _ dst: Int) -> Void) {
        let outerDims = Array(shape.dropLast(inner))
        let outerCount = outerDims.elementCount
        let ss = Array(sourceStrides.dropLast(inner)), ds = Array(destinationStrides.dropLast(inner))
        context.parallelFor(outerCount, minChunk: minChunk) { range in
            var index = [Int](repeating: 0, count: outerDims.count)
            var rem = range.lowerBound
            var so = 0, dOff = 0
            for k in stride(from: outerDims.count - 1, through: 0, by: -1) {
                index[k] = rem % outerDims[k]
                rem /= outerDims[k]
                so += index[k] * ss[k]
                dOff += index[k] * ds[k]
            }
            for _ in range {
                body(so, dOff)
                var k = outerDims.count - 1
                while k >= 0 {
                    index[k] += 1
                    so += ss[k]
                    dOff += ds[k]
                    if index[k] < outerDims[k] { break }
                    so -= ss[k] * outerDims[k]
                    dOff -= ds[k] * outerDims[k]
                    index[k] = 0
                    k -= 1
                }
            }
        }
    }

    private func runRows(_ src: RawAddress, _ dst: RawAddress, elementSize es: Int, context: ExecutionContext) {
        let n = shape[shape.count - 1]
        let s = sourceStrides[shape.count - 1], d = destinationStrides[shape.count - 1]
        let minChunk = Swift.max(1, 16384 / Swift.max(1, n))
        forEachOuter(inner: 1, context: context, minChunk: minChunk) { so, dOff in
            let from = src.pointer + so * es
            let to = dst.mutablePointer + dOff * es
            if s == 1 && d == 1 {
                to.copyMemory(from: from, byteCount: n * es)
                return
            }
            switch es {
            case 1: Self.copyLine(UInt8.self, from, s, to, d, n)
            case 2: Self.copyLine(UInt16.self, from, s, to, d, n)
            case 4: Self.copyLine(UInt32.self, from, s, to, d, n)
            case 8: Self.copyLine(UInt64.self, from, s, to, d, n)
            default:
                for i in 0..<n { (to + i * d * es).copyMemory(from: from + i * s * es, byteCount: es) }
            }
        }
    }

    /// The last dim is short (DepthToSpace's blocks, small trailing axes): each outer position
    /// copies its last two dims with the longer one innermost, so the per-row overhead is paid once.
    private func runPlanes(_ src: RawAddress, _ dst: RawAddress, elementSize es: Int, context: ExecutionContext) {
        let r = shape.count
        let (a, b) = (shape[r - 2], shape[r - 1])
        let (sa, sb) = (sourceStrides[r - 2], sourceStrides[r - 1])
        let (da, db) = (destinationStrides[r - 2], destinationStrides[r - 1])
        forEachOuter(inner: 2, context: context, minChunk: Swift.max(1, 16384 / (a * b))) { so, dOff in
            let from = src.pointer + so * es
            let to = dst.mutablePointer + dOff * es
            for j in 0..<b {
                let f = from + j * sb * es, t = to + j * db * es
                switch es {
                case 1: Self.copyLine(UInt8.self, f, sa, t, da, a)
                case 2: Self.copyLine(UInt16.self, f, sa, t, da, a)
                case 4: Self.copyLine(UInt32.self, f, sa, t, da, a)
                case 8: Self.copyLine(UInt64.self, f, sa, t, da, a)
                default:
                    for i in 0..<a { (t + i * da * es).copyMemory(from: f + i * sa * es, byteCount: es) }
                }
            }
        }
    }

    @inline(__always)
    private static func copyLine<T>(_: T.Type, _ from: UnsafeRawPointer, _ s: Int, _ to: UnsafeMutableRawPointer, _ d: Int, _ n: Int) {
        let f = from.assumingMemoryBound(to: T.self)
        let t = to.assumingMemoryBound(to: T.self)
        if d == 1 {
            for i in 0..<n { t[i] = f[i * s] }
        } else if s == 1 {
            for i in 0..<n { t[i * d] = f[i] }
        } else {
            for i in 0..<n { t[i * d] = f[i * s] }
        }
    }

    /// The last two dims are `[A, B]` with source stride 1 along A and destination stride 1
    /// along B: copied in square tiles so both sides stay in cache. Work items are bands of
    /// A, so a single large transpose still spreads over the threads.
    private func runTransposed(_ src: RawAddress, _ dst: RawAddress, elementSize es: Int, context: ExecutionContext) {
        let r = shape.count
        let a = shape[r - 2], b = shape[r - 1]
        let sb = sourceStrides[r - 1], da = destinationStrides[r - 2]
        let outerDims = Array(shape.dropLast(2))
        let ss = Array(sourceStrides.dropLast(2)), ds = Array(destinationStrides.dropLast(2))
        let band = 32
        let bands = (a + band - 1) / band
        context.parallelFor(outerDims.elementCount * bands, minChunk: Swift.max(1, 16384 / (band * b))) { range in
            for item in range {
                var rem = item / bands
                var so = 0, dOff = 0
                for k in stride(from: outerDims.count - 1, through: 0, by: -1) {
                    let i = rem % outerDims[k]
                    rem /= outerDims[k]
                    so += i * ss[k]
                    dOff += i * ds[k]
                }
                let i0 = (item % bands) * band
                let rows = Swift.min(band, a - i0)
                let from = src.pointer + (so + i0) * es
                let to = dst.mutablePointer + (dOff + i0 * da) * es
                switch es {
                case 1: Self.transposeTiles(UInt8.self, from, sb, to, da, rows, b)
                case 2: Self.transposeTiles(UInt16.self, from, sb, to, da, rows, b)
                case 4: Self.transposeTiles(UInt32.self, from, sb, to, da, rows, b)
                case 8: Self.transposeTiles(UInt64.self, from, sb, to, da, rows, b)
                default:
                    for i in 0..<rows { for j in 0..<b {
                        (to + (i * da + j) * es).copyMemory(from: from + (i + j * sb) * es, byteCount: es)
                    } }
                }
            }
        }
    }

    @inline(__always)
    private static func transposeTiles<T>(_: T.Type, _ from: UnsafeRawPointer, _ sb: Int, _ to: UnsafeMutableRawPointer,
                                          _ da: Int, _ a: Int, _ b: Int) {
        let f = from.assumingMemoryBound(to: T.self)
        let t = to.assumingMemoryBound(to: T.self)
        let tile = 32
        var i0 = 0
        while i0 < a {
            let i1 = Swift.min(a, i0 + tile)
            var j0 = 0
            while j0 < b {
                let j1 = Swift.min(b, j0 + tile)
                for i in i0..<i1 {
                    let row = t + i * da
                    for j in j0..<j1 { row[j] = f[i + j * sb] }
                }
                j0 = j1
            }
            i0 = i1
        }
    }
}
