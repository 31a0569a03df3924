import StrataCore
import CStrataKernels

/// The float32 matrix products of Conv and MatMul: `C = act(A·B (+ C) + bias)`, row-major, without
/// transposes; `epilogue` (a per-row bias and an activation) is applied as the results are stored.
/// In the AVX-512 kernel tier Strata's own kernel (`strata_sgemm`), split over the context's threads
/// by column panels (and row blocks where the panels do not share evenly) or by rows; in
/// the other tiers OpenBLAS (single-threaded, split over the context's threads by
/// `ExecutionContext.gemm`), and the epilogue as a second pass over each row.
enum BlockedGemm {
    /// Whether the active kernel tier has Strata's own GEMM (see `KernelTier`).
    static var native: Bool { strata_sgemm_supported() != 0 }

    /// Width of the kernel's column panels and height of its row blocks.
    fileprivate static let panelWidth = 32, rowBlock = 12

    static func multiply(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, epilogue: strata_epilogue? = nil,
        context: ExecutionContext
    ) {
        guard m > 0, n > 0 else { return }
        if n == 1, ldb == 1, !accumulate, k > 0 {
            // A single column (a 1×1 Conv on a 1×1 map, as in squeeze-excitation blocks): the panel
            // kernel would pad it to 32 columns.
            let job = GemmJob(a: a, b: b, c: c, epilogue: epilogue)
            context.parallelFor(m, minChunk: max(1, 16384 / k)) { range in
                var ep = job.epilogue ?? strata_epilogue()  // zeroed: no bias, no activation
                strata_sgemv_rows(Int32(k), job.a, Int32(lda), job.b, Int32(range.lowerBound), Int32(range.upperBound),
                                  job.c, Int32(ldc), &ep)
            }
            return
        }
        guard native, k > 0 else {
            context.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: Float(1), a: a, lda: lda, b: b, ldb: ldb,
                         beta: accumulate ? 1 : 0, c: c, ldc: ldc)
            if var ep = epilogue {
                for i in 0..<m { strata_epilogue_apply(c + i * ldc, c + i * ldc, n, ep.bias.map { $0 + i }, &ep) }
            }
            return
        }
        let job = GemmJob(a: a, b: b, c: c, epilogue: epilogue)
        let (grid, minChunk) = tiling(m: m, n: n, k: k, threads: context.threads)
        context.parallelFor(grid.count, minChunk: minChunk) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: strata_sgemm_scratch())
            defer { scratch.deallocate() }
            for tile in grid.tiles(range, m: m, n: n) {
                var ep = job.epilogue ?? strata_epilogue()  // zeroed: no bias, no activation
                ep.bias = ep.bias.map { $0 + tile.rows.lowerBound }
                strata_sgemm(Int32(tile.rows.count), Int32(k), job.a + tile.rows.lowerBound * lda, Int32(lda), job.b, Int32(ldb),
                             Int32(tile.columns.lowerBound), Int32(tile.columns.upperBound), job.c + tile.rows.lowerBound * ldc,
                             Int32(ldc), accumulate ? 1 : 0, scratch, &ep)
            }
        }
    }
}

extension BlockedGemm {
    /// The same product with B packed once (`PackedGemmWeight`), split over the threads the same way
    /// and with the same bits. Only while `strata_sgemm_packed_supported()` is true, and `n > 1`.
    static func multiply(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, epilogue: strata_epilogue? = nil,
        context: ExecutionContext
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        let job = GemmJob(a: a, b: packed, c: c, epilogue: epilogue)
        let (grid, minChunk) = tiling(m: m, n: n, k: k, threads: context.threads)
        context.parallelFor(grid.count, minChunk: minChunk) { range in
            for tile in grid.tiles(range, m: m, n: n) {
                var ep = job.epilogue ?? strata_epilogue()  // zeroed: no bias, no activation
                ep.bias = ep.bias.map { $0 + tile.rows.lowerBound }
                strata_sgemm_packed(Int32(tile.rows.count), Int32(k), job.a + tile.rows.lowerBound * lda, Int32(lda), job.b, Int32(n),
                                    Int32(tile.columns.lowerBound / panelWidth),
                                    Int32((tile.columns.upperBound + panelWidth - 1) / panelWidth),
                                    job.c + tile.rows.lowerBound * ldc, Int32(ldc), accumulate ? 1 : 0, &ep)
            }
        }
    }
}

extension BlockedGemm {
    /// How both `multiply`s share an m × n × k product among `threads`: by column panels where there
    /// are many of them or few row blocks, else by rows; with the `parallelFor` chunk that keeps
    /// about a million multiply-adds per task, so that thread start-up stays small against the work.
    static func tiling(m: Int, n: Int, k: Int, threads: Int) -> (grid: Tiles, minChunk: Int) {
        let panels = (n + panelWidth - 1) / panelWidth, blocks = (m + rowBlock - 1) / rowBlock
        if panels >= 4 * threads || blocks < 2 * threads {
            let grid = Tiles(panels: panels, blocks: evenParts(of: panels, across: blocks, threads: threads))
            return (grid, max(1, (1 << 20) / max(1, m * k * panelWidth / grid.inner)))
        }
        return (Tiles(rows: m), max(1, (1 << 20) / max(1, Tiles.rowUnit * k * n)))
    }

    /// Into how many parts to cut the other dimension (`across` units of it) when `units` units of
    /// one are shared among `threads`: 1 where they share evenly or are many (the last thread's
    /// share is then at most a quarter short), else enough that units × parts divide by the threads.
    /// Each value's sum is the same whatever tile computes it.
    static func evenParts(of units: Int, across: Int, threads: Int) -> Int {
        guard threads > 1, units % threads != 0, units < 4 * threads else { return 1 }
        var a = units, b = threads
        while b != 0 { (a, b) = (b, a % b) }
        return Swift.max(1, Swift.min(threads / a, across))
    }

    /// How a transposed product (`strata_sgemm_packed_at`, the pixels of a convolution as its rows)
    /// cuts its rows when its panels of 32 channels do not share evenly among the threads: into
    /// `split` parts of `rowsPerPart` rows (whole blocks of 12, or of 7 where the kernel takes a 7 × 7
    /// map's rows seven at a time), so that panels × parts do. MobileNetV2's 96-channel projections
    /// are three panels: at 2 threads one thread took two, and those nodes ran 1.41 times faster than
    /// on one thread.
    static func transposedRowParts(rows: Int, panels: Int, threads: Int) -> (split: Int, rowsPerPart: Int) {
        let unit = rows % 12 >= 1 && rows % 12 <= 3 && rows % 7 == 0 ? 7 : 12
        let units = (rows + unit - 1) / unit
        let split = evenParts(of: panels, across: units, threads: threads)
        return split > 1 ? (split, (units + split - 1) / split * unit) : (1, rows)
    }

    /// Whether a transposed product (`strata_sgemm_packed_at`) of `rows` pixels and `columns`
    /// channels is cut among the threads by rows, each thread with every panel of channels, instead
    /// of by panels. Cut by panels, every thread reads the whole input (A, depth × pixels); cut by
    /// rows, the whole weight (B, depth × channels): the rows are cut where the pixels outnumber the
    /// channels. MobileNetV2's 384 → 64 projections on 14 × 14 maps, two panels of channels, had each
    /// thread read all of the depthwise output, half of it written by the other thread; in rows,
    /// each reads its own pixels (two threads, `strata bench`, alternating rounds: the model 4.20 →
    /// 4.11 ms; the block alone 0.150 → 0.144 ms against onnxruntime's 0.133). It also shares among
    /// more threads than there are panels.
    static func splitsTransposedRows(rows: Int, columns: Int, threads: Int) -> Bool {
        threads > 1 && rows > columns && rows >= 8 * threads
    }

    /// The tiles of a product among the threads. By columns: panels, each cut into `inner` parts of
    /// row blocks where the panels alone do not share evenly among the threads (`evenParts`), the
    /// tiles of one panel next to each other. By rows: units of four rows (the kernel's smallest
    /// block) with every column, so that the threads get equal rows and each call packs its panels
    /// of B once for all of them (MobileNetV2's 64-channel projections are five blocks of 12 and one
    /// of 4: 36 rows against 28 on two threads; cutting their columns too made each tile pack its
    /// panels again for one block of 12, about as long as that block's multiply-adds).
    struct Tiles {
        /// Rows per unit of a split by rows.
        static let rowUnit = 4
        let outer: Int, inner: Int
        let byColumns: Bool
        /// Rows of one block in a split by columns: the kernel's 12, or a whole part of a transposed
        /// product (`transposedRowParts`).
        let rowsPerBlock: Int
        var count: Int { outer * inner }

        /// Panels outside, each cut into `blocks` parts of blocks of rows.
        init(panels: Int, blocks: Int, rowsPerBlock: Int = rowBlock) {
            (outer, inner, byColumns, self.rowsPerBlock) = (panels, blocks, true, rowsPerBlock)
        }
        /// An m-row product cut by rows only.
        init(rows m: Int) { (outer, inner, byColumns, rowsPerBlock) = ((m + Self.rowUnit - 1) / Self.rowUnit, 1, false, rowBlock) }

        /// The rows and columns of the tiles in `range` for an m × n product, consecutive tiles merged
        /// where each is whole on its inner side.
        func tiles(_ range: Range<Int>, m: Int, n: Int) -> [(rows: Range<Int>, columns: Range<Int>)] {
            guard byColumns else {
                return [(Swift.min(m, range.lowerBound * Self.rowUnit)..<Swift.min(m, range.upperBound * Self.rowUnit), 0..<n)]
            }
            func columns(_ from: Int, _ to: Int) -> Range<Int> { Swift.min(n, from * panelWidth)..<Swift.min(n, to * panelWidth) }
            if inner == 1 { return [(0..<m, columns(range.lowerBound, range.upperBound))] }
            let blocks = (m + rowsPerBlock - 1) / rowsPerBlock, per = (blocks + inner - 1) / inner
            return range.compactMap { tile in
                let (panel, part) = tile.quotientAndRemainder(dividingBy: inner)
                let first = Swift.min(blocks, part * per), last = Swift.min(blocks, (part + 1) * per)
                guard first < last else { return nil }
                return (Swift.min(m, first * rowsPerBlock)..<Swift.min(m, last * rowsPerBlock), columns(panel, panel + 1))
            }
        }
    }
}

private struct GemmJob: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
    let epilogue: strata_epilogue?
}
