import StrataCore
import CStrataKernels

/// The float32 matrix products of Conv and MatMul: `C = act(A·B (+ C) + bias)`, row-major, without
/// transposes; `epilogue` (a per-row bias and an activation) is applied as the results are stored.
/// In the AVX-512 kernel tier Strata's own kernel (`strata_sgemm`), split over the context's threads
/// by column panels or row blocks; in the other tiers OpenBLAS (single-threaded, split over the
/// context's threads by `ExecutionContext.gemm`), and the epilogue as a second pass over each row.
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
        let panels = (n + panelWidth - 1) / panelWidth
        let blocks = (m + rowBlock - 1) / rowBlock
        // About a million multiply-adds per task keeps thread start-up small against the work.
        let perPanel = m * k * panelWidth, perBlock = rowBlock * k * n
        let byColumns = panels >= 4 * context.threads || blocks < 2 * context.threads
        if byColumns {
            context.parallelFor(panels, minChunk: max(1, (1 << 20) / max(1, perPanel))) { range in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: strata_sgemm_scratch())
                defer { scratch.deallocate() }
                var ep = job.epilogue ?? strata_epilogue()  // zeroed: no bias, no activation
                strata_sgemm(Int32(m), Int32(k), job.a, Int32(lda), job.b, Int32(ldb),
                             Int32(range.lowerBound * panelWidth), Int32(min(n, range.upperBound * panelWidth)),
                             job.c, Int32(ldc), accumulate ? 1 : 0, scratch, &ep)
            }
        } else {
            context.parallelFor(blocks, minChunk: max(1, (1 << 20) / max(1, perBlock))) { range in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: strata_sgemm_scratch())
                defer { scratch.deallocate() }
                let first = range.lowerBound * rowBlock, rows = min(m, range.upperBound * rowBlock) - first
                var ep = job.epilogue ?? strata_epilogue()  // zeroed: no bias, no activation
                ep.bias = ep.bias.map { $0 + first }
                strata_sgemm(Int32(rows), Int32(k), job.a + first * lda, Int32(lda), job.b, Int32(ldb), 0, Int32(n),
                             job.c + first * ldc, Int32(ldc), accumulate ? 1 : 0, scratch, &ep)
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
        let panels = (n + panelWidth - 1) / panelWidth
        let blocks = (m + rowBlock - 1) / rowBlock
        let perPanel = m * k * panelWidth, perBlock = rowBlock * k * n
        if panels >= 4 * context.threads || blocks < 2 * context.threads {
            context.parallelFor(panels, minChunk: max(1, (1 << 20) / max(1, perPanel))) { range in
                var ep = job.epilogue ?? strata_epilogue()  // zeroed: no bias, no activation
                strata_sgemm_packed(Int32(m), Int32(k), job.a, Int32(lda), job.b, Int32(n), Int32(range.lowerBound),
                                    Int32(range.upperBound), job.c, Int32(ldc), accumulate ? 1 : 0, &ep)
            }
        } else {
            context.parallelFor(blocks, minChunk: max(1, (1 << 20) / max(1, perBlock))) { range in
                let first = range.lowerBound * rowBlock, rows = min(m, range.upperBound * rowBlock) - first
                var ep = job.epilogue ?? strata_epilogue()  // zeroed: no bias, no activation
                ep.bias = ep.bias.map { $0 + first }
                strata_sgemm_packed(Int32(rows), Int32(k), job.a + first * lda, Int32(lda), job.b, Int32(n), 0, Int32(panels),
                                    job.c + first * ldc, Int32(ldc), accumulate ? 1 : 0, &ep)
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
