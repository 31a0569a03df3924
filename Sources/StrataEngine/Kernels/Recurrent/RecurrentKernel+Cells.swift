import COpenBLAS
import CStrataKernels
import StrataCore

/// The time loop of one direction and the update rules of the three cells.
extension RecurrentKernel {
    /// Runs direction `d` over the whole sequence, writing its rows of Y and its final states.
    func runDirection(_ d: Int, forward: Bool, _ op: Operands, y: Tensor, yh: Tensor, yc: Tensor,
                      context: ExecutionContext = ExecutionContext(threads: 1)) {
        let (seq, batch, inputSize, hidden) = (op.seq, op.batch, op.input, op.hidden)
        let width = cell.gates * hidden
        let rows = seq * batch
        let act = activations[d]

        // Input projections of every time step at once: xw[t * batch + b] = x[t, b] · W^T + biases.
        var xw = [Float](repeating: 0, count: rows * width)
        let wBase = op.w.pointer(as: Float.self) + d * width * inputSize
        if rows > 0 && inputSize > 0 && width > 0 {
            xw.withUnsafeMutableBufferPointer { out in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(width), Int32(inputSize),
                            1, op.x.pointer(as: Float.self), Int32(inputSize), wBase, Int32(inputSize),
                            0, out.baseAddress, Int32(width))
            }
        }
        // GRU with linear_before_reset keeps the recurrent bias of the h gate inside the reset product.
        var recurrentHBias = [Float](repeating: 0, count: hidden)
        if let bias = op.bias {
            let wb = bias.pointer(as: Float.self) + d * 2 * width, rb = wb + width
            var folded = [Float](repeating: 0, count: width)
            for j in 0..<width { folded[j] = wb[j] + rb[j] }
            if case .gru(linearBeforeReset: true) = cell {
                for j in 0..<hidden {
                    folded[2 * hidden + j] = wb[2 * hidden + j]
                    recurrentHBias[j] = rb[2 * hidden + j]
                }
            }
            for row in 0..<rows {
                for j in 0..<width { xw[row * width + j] += folded[j] }
            }
        }

        var h = [Float](repeating: 0, count: batch * hidden)
        var c = h
        if let h0 = op.initialH { for k in 0..<h.count { h[k] = h0.pointer(as: Float.self)[d * batch * hidden + k] } }
        if let c0 = op.initialC { for k in 0..<c.count { c[k] = c0.pointer(as: Float.self)[d * batch * hidden + k] } }
        var peep = [Float](repeating: 0, count: 3 * hidden)
        if let p = op.peepholes { for k in 0..<peep.count { peep[k] = p.pointer(as: Float.self)[d * 3 * hidden + k] } }

        let rBase = op.r.pointer(as: Float.self) + d * width * hidden
        var hr = [Float](repeating: 0, count: batch * width)
        var gate = [Float](repeating: 0, count: width)
        var reset = [Float](repeating: 0, count: batch * hidden)
        var resetProduct = [Float](repeating: 0, count: batch * hidden)
        let yp = y.pointer(as: Float.self)
        let directions = self.directions

        /// `out[batch, n] = state[batch, hidden] · R[rowOffset ..< rowOffset + n]^T`.
        func recurrent(_ state: UnsafePointer<Float>, rowOffset: Int, n: Int, into out: UnsafeMutablePointer<Float>, ldc: Int) {
            guard batch > 0, n > 0, hidden > 0 else { return }
            if batch <= 4 {
                // GEMM would repack R on every step; a few matrix-vector products read it as it is,
                // their rows shared among the threads: this product is each step's work, and the steps
                // run one after the other (a 2-layer LSTM of 256 units over 100 steps gained nothing
                // from a second thread with one BLAS call a step, where onnxruntime's time halves).
                let job = RecurrentProduct(r: rBase + rowOffset * hidden, state: state, out: out)
                context.parallelFor(n, minChunk: Swift.max(8, ExecutionContext.gemmWorkPerThread / 8 / Swift.max(1, batch * hidden))) { rows in
                    for b in 0..<batch {
                        strata_sgemv_rows(Int32(hidden), job.r, Int32(hidden), job.state + b * hidden, Int32(rows.lowerBound),
                                          Int32(rows.upperBound), job.out + b * ldc, 1, nil)
                    }
                }
                return
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(n), Int32(hidden),
                        1, state, Int32(hidden), rBase + rowOffset * hidden, Int32(hidden), 0, out, Int32(ldc))
        }
        func clipped(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
            guard let limit = clip else { return }
            for i in 0..<n { p[i] = Swift.min(limit, Swift.max(-limit, p[i])) }
        }

        for step in 0..<seq {
            let active = (0..<batch).filter { step < op.lengths[$0] }
            if active.isEmpty { break }
            /// The time index batch entry `b` is at in this step.
            func time(_ b: Int) -> Int { forward ? step : op.lengths[b] - 1 - step }
            switch cell {
            case .rnn:
                hr.withUnsafeMutableBufferPointer { recurrent(h, rowOffset: 0, n: hidden, into: $0.baseAddress!, ldc: width) }
                for b in active {
                    let t = time(b)
                    gate.withUnsafeMutableBufferPointer { g in
                        for j in 0..<hidden { g[j] = xw[(t * batch + b) * width + j] + hr[b * width + j] }
                        clipped(g.baseAddress!, hidden)
                        act[0].apply(g.baseAddress!, count: hidden)
                        for j in 0..<hidden { h[b * hidden + j] = g[j] }
                    }
                }

            case .gru(let linearBeforeReset):
                let n = linearBeforeReset ? width : 2 * hidden
                hr.withUnsafeMutableBufferPointer { recurrent(h, rowOffset: 0, n: n, into: $0.baseAddress!, ldc: width) }
                // z and r for every active entry; then the h gate, which needs r.
                for b in active {
                    let t = time(b)
                    gate.withUnsafeMutableBufferPointer { g in
                        for j in 0..<(2 * hidden) { g[j] = xw[(t * batch + b) * width + j] + hr[b * width + j] }
                        clipped(g.baseAddress!, 2 * hidden)
                        act[0].apply(g.baseAddress!, count: 2 * hidden)
                        for j in 0..<hidden {
                            hr[b * width + j] = g[j]
                            reset[b * hidden + j] = g[hidden + j]
                            resetProduct[b * hidden + j] = g[hidden + j] * h[b * hidden + j]
                        }
                    }
                }
                if !linearBeforeReset {
                    resetProduct.withUnsafeMutableBufferPointer { rp in
                        hr.withUnsafeMutableBufferPointer {
                            recurrent(rp.baseAddress!, rowOffset: 2 * hidden, n: hidden, into: $0.baseAddress! + 2 * hidden, ldc: width)
                        }
                    }
                }
                for b in active {
                    let t = time(b)
                    gate.withUnsafeMutableBufferPointer { g in
                        let x = (t * batch + b) * width + 2 * hidden, r = b * width + 2 * hidden
                        if linearBeforeReset {
                            for j in 0..<hidden { g[j] = xw[x + j] + reset[b * hidden + j] * (hr[r + j] + recurrentHBias[j]) }
                        } else {
                            for j in 0..<hidden { g[j] = xw[x + j] + hr[r + j] }
                        }
                        clipped(g.baseAddress!, hidden)
                        act[1].apply(g.baseAddress!, count: hidden)
                        for j in 0..<hidden {
                            let z = hr[b * width + j]
                            h[b * hidden + j] = (1 - z) * g[j] + z * h[b * hidden + j]
                        }
                    }
                }

            case .lstm(let inputForget):
                hr.withUnsafeMutableBufferPointer { recurrent(h, rowOffset: 0, n: width, into: $0.baseAddress!, ldc: width) }
                for b in active {
                    let t = time(b)
                    gate.withUnsafeMutableBufferPointer { g in
                        let gp = g.baseAddress!
                        for j in 0..<width { g[j] = xw[(t * batch + b) * width + j] + hr[b * width + j] }
                        // Gate blocks in W are i, o, f, c; peepholes are i, o, f.
                        let (i, o, f, cc) = (gp, gp + hidden, gp + 2 * hidden, gp + 3 * hidden)
                        for j in 0..<hidden {
                            let prev = c[b * hidden + j]
                            i[j] += peep[j] * prev
                            f[j] += peep[2 * hidden + j] * prev
                        }
                        clipped(i, hidden)
                        act[0].apply(i, count: hidden)
                        if inputForget {
                            for j in 0..<hidden { f[j] = 1 - i[j] }
                        } else {
                            clipped(f, hidden)
                            act[0].apply(f, count: hidden)
                        }
                        clipped(cc, hidden)
                        act[1].apply(cc, count: hidden)
                        for j in 0..<hidden {
                            let k = b * hidden + j
                            c[k] = f[j] * c[k] + i[j] * cc[j]
                            o[j] += peep[hidden + j] * c[k]
                            cc[j] = c[k]
                        }
                        clipped(o, hidden)
                        act[0].apply(o, count: hidden)
                        act[2].apply(cc, count: hidden)
                        for j in 0..<hidden { h[b * hidden + j] = o[j] * cc[j] }
                    }
                }
            }
            for b in active {
                let row = yp + ((time(b) * directions + d) * batch + b) * hidden
                for j in 0..<hidden { row[j] = h[b * hidden + j] }
            }
        }
        let hp = yh.pointer(as: Float.self) + d * batch * hidden, cp = yc.pointer(as: Float.self) + d * batch * hidden
        for b in 0..<batch {
            // An empty sequence has no last state: its Y_h and Y_c are 0, as in onnxruntime.
            let empty = op.lengths[b] == 0
            for j in 0..<hidden {
                let k = b * hidden + j
                hp[k] = empty ? 0 : h[k]
                cp[k] = empty ? 0 : c[k]
            }
        }
    }
}

/// The operands of one step's recurrent product, handed to the threads; each writes its own rows.
private struct RecurrentProduct: @unchecked Sendable {
    let r: UnsafePointer<Float>
    let state: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
}
