import COpenBLAS
import CStrataKernels

/// One time step of one direction of a recurrent layer, cut by hidden units so that the threads
/// can share it: a thread computes the rows of every gate that belong to its units (`product`)
/// and then those units' new states (`update`, or `resetGates` and `finishGRU` for a GRU that
/// applies its reset gate before the product). A unit's new state needs only its own gate rows and
/// the previous state, which is read from `hPrev` and written to `hNext`, so the units are
/// independent within a step and a step is one parallel loop (two for that GRU).
///
/// Every pointer is into scratch the direction's loop owns for its whole run; each thread writes
/// only its units' columns of `hr`, `hNext`, `c`, `resetProduct` and `y`.
struct RecurrentStep: @unchecked Sendable {
    let cell: RecurrentKernel.Cell
    let batch: Int, hidden: Int, width: Int
    let act: [RecurrentActivation]
    let clip: Float?
    /// R of this direction, `[width, hidden]`.
    let r: UnsafePointer<Float>
    /// Input projections plus folded biases, `[seq * batch, width]`.
    let xw: UnsafePointer<Float>
    /// This step's recurrent products, `[batch, width]`, turned into gate values in place.
    let hr: UnsafeMutablePointer<Float>
    let hPrev: UnsafePointer<Float>, hNext: UnsafeMutablePointer<Float>
    /// The LSTM cell state, `[batch, hidden]`, updated in place.
    let c: UnsafeMutablePointer<Float>
    /// GRU without `linear_before_reset`: r ⊙ h, `[batch, hidden]`.
    let resetProduct: UnsafeMutablePointer<Float>
    /// LSTM peepholes i, o, f (`[3 * hidden]`), or nil when the op has none.
    let peepholes: UnsafePointer<Float>?
    /// GRU with `linear_before_reset`: the recurrent bias of the h gate, `[hidden]`.
    let recurrentHBias: UnsafePointer<Float>
    /// Per batch entry: the time index it is at in this step, or -1 once past its length.
    let times: UnsafePointer<Int>
    /// Y's row of entry `b` at time `t` starts at `y + ((t * directions + direction) * batch + b) * hidden`.
    let y: UnsafeMutablePointer<Float>
    let directions: Int, direction: Int

    /// Units are handed to the threads in groups of this many, whole vectors of the gate arithmetic.
    static let groupSize = 8

    /// The units of the groups `groups`.
    func units(_ groups: Range<Int>) -> Range<Int> {
        (groups.lowerBound * Self.groupSize)..<Swift.min(hidden, groups.upperBound * Self.groupSize)
    }

    /// Up to this many entries, each step's products are matrix-vector products shared among the
    /// threads by units; above it, one matrix product on the calling thread (`wholeProduct`),
    /// because a BLAS product cut into column slices does not give the same bits as the whole.
    static let vectorBatch = 4

    /// `hr[b, g·hidden + j] = R[g·hidden + j] · state[b]` for the gates `gates` and units `units`,
    /// where the batch is at most `vectorBatch`; nothing otherwise (see `wholeProduct`).
    func product(_ state: UnsafePointer<Float>, gates: Range<Int>, units: Range<Int>) {
        guard batch <= Self.vectorBatch, !units.isEmpty, hidden > 0 else { return }
        for g in gates {
            // Matrix-vector products read R as it is; a GEMM would repack it every step.
            let lo = g * hidden + units.lowerBound
            for b in 0..<batch {
                strata_sgemv_rows(Int32(hidden), r, Int32(hidden), state + b * hidden, Int32(lo), Int32(lo + units.count),
                                  hr + b * width, 1, nil)
            }
        }
    }

    /// The products of `gates` for every unit in one BLAS call, where the batch is above `vectorBatch`.
    func wholeProduct(_ state: UnsafePointer<Float>, gates: Range<Int>) {
        guard batch > Self.vectorBatch, !gates.isEmpty, hidden > 0 else { return }
        let lo = gates.lowerBound * hidden
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(gates.count * hidden), Int32(hidden),
                    1, state, Int32(hidden), r + lo * hidden, Int32(hidden), 0, hr + lo, Int32(width))
    }

    /// `gate[j] = xw[j] + gate[j]` over `units` of gate `g` of entry `b`, clipped, with activation `a`.
    private func activate(_ g: Int, _ b: Int, _ units: Range<Int>, _ a: RecurrentActivation) {
        let (p, x) = gatePointers(g, b, units)
        for j in 0..<units.count { p[j] = x[j] + p[j] }
        clipped(p, units.count)
        a.apply(p, count: units.count)
    }

    /// Entry `b`'s values of gate `g` at the first of `units` in `hr`, and the same place in `xw`.
    private func gatePointers(_ g: Int, _ b: Int, _ units: Range<Int>) -> (UnsafeMutablePointer<Float>, UnsafePointer<Float>) {
        let column = g * hidden + units.lowerBound
        return (hr + b * width + column, xw + (times[b] * batch + b) * width + column)
    }

    private func clipped(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        guard let limit = clip else { return }
        for i in 0..<n { p[i] = Swift.min(limit, Swift.max(-limit, p[i])) }
    }

    /// Writes entry `b`'s new state over `units` to Y, or carries its old state over when it is past its length.
    private func store(_ b: Int, _ units: Range<Int>) {
        let state = b * hidden + units.lowerBound
        if times[b] < 0 {
            for j in 0..<units.count { hNext[state + j] = hPrev[state + j] }
            return
        }
        let row = y + ((times[b] * directions + direction) * batch + b) * hidden + units.lowerBound
        for j in 0..<units.count { row[j] = hNext[state + j] }
    }

    /// The new states of `units` for every entry, from this step's products (RNN, LSTM, and GRU
    /// with `linear_before_reset`).
    func update(units: Range<Int>) {
        let n = units.count
        for b in 0..<batch {
            defer { store(b, units) }
            guard times[b] >= 0 else { continue }
            let prev = hPrev + b * hidden + units.lowerBound, next = hNext + b * hidden + units.lowerBound
            switch cell {
            case .rnn:
                activate(0, b, units, act[0])
                let (g, _) = gatePointers(0, b, units)
                for j in 0..<n { next[j] = g[j] }

            case .gru:
                activate(0, b, units, act[0])
                activate(1, b, units, act[0])
                let (z, _) = gatePointers(0, b, units), (reset, _) = gatePointers(1, b, units)
                let (g, x) = gatePointers(2, b, units)
                let rb = recurrentHBias + units.lowerBound
                for j in 0..<n { g[j] = x[j] + reset[j] * (g[j] + rb[j]) }
                clipped(g, n)
                act[1].apply(g, count: n)
                for j in 0..<n { next[j] = (1 - z[j]) * g[j] + z[j] * prev[j] }

            case .lstm(let inputForget):
                // Gate blocks in W and R are i, o, f, c; peepholes are i, o, f.
                let (i, xi) = gatePointers(0, b, units), (o, xo) = gatePointers(1, b, units)
                let (f, xf) = gatePointers(2, b, units)
                let cell = c + b * hidden + units.lowerBound
                for j in 0..<n { i[j] = xi[j] + i[j] }
                for j in 0..<n { f[j] = xf[j] + f[j] }
                if let p = peepholes {
                    let (pi, pf) = (p + units.lowerBound, p + 2 * hidden + units.lowerBound)
                    for j in 0..<n {
                        i[j] += pi[j] * cell[j]
                        f[j] += pf[j] * cell[j]
                    }
                }
                clipped(i, n)
                act[0].apply(i, count: n)
                if inputForget {
                    for j in 0..<n { f[j] = 1 - i[j] }
                } else {
                    clipped(f, n)
                    act[0].apply(f, count: n)
                }
                activate(3, b, units, act[1])
                let (cc, _) = gatePointers(3, b, units)
                for j in 0..<n { cell[j] = f[j] * cell[j] + i[j] * cc[j] }
                for j in 0..<n { o[j] = xo[j] + o[j] }
                if let p = peepholes {
                    let po = p + hidden + units.lowerBound
                    for j in 0..<n { o[j] += po[j] * cell[j] }
                }
                for j in 0..<n { cc[j] = cell[j] }
                clipped(o, n)
                act[0].apply(o, count: n)
                act[2].apply(cc, count: n)
                for j in 0..<n { next[j] = o[j] * cc[j] }
            }
        }
    }

    /// GRU without `linear_before_reset`, first half: z and r over `units`, and r ⊙ h, which the
    /// h gate's product needs for every unit before any unit can finish.
    func resetGates(units: Range<Int>) {
        for b in 0..<batch where times[b] >= 0 {
            activate(0, b, units, act[0])
            activate(1, b, units, act[0])
            let (reset, _) = gatePointers(1, b, units)
            let state = b * hidden + units.lowerBound
            for j in 0..<units.count { resetProduct[state + j] = reset[j] * hPrev[state + j] }
        }
    }

    /// GRU without `linear_before_reset`, second half, after `product(resetProduct, gates: 2..<3, …)`.
    func finishGRU(units: Range<Int>) {
        let n = units.count
        for b in 0..<batch {
            defer { store(b, units) }
            guard times[b] >= 0 else { continue }
            activate(2, b, units, act[1])
            let (z, _) = gatePointers(0, b, units), (g, _) = gatePointers(2, b, units)
            let prev = hPrev + b * hidden + units.lowerBound, next = hNext + b * hidden + units.lowerBound
            for j in 0..<n { next[j] = (1 - z[j]) * g[j] + z[j] * prev[j] }
        }
    }
}
