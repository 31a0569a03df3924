import COpenBLAS
import CStrataKernels
import StrataCore

/// The time loop of one direction: the input projections of every step in one product, then the
/// steps one after the other, each shared among the threads by hidden units (`RecurrentStep`).
extension RecurrentKernel {
    /// Runs direction `d` over the whole sequence, writing its rows of Y and its final states.
    func runDirection(_ d: Int, forward: Bool, _ op: Operands, y: Tensor, yh: Tensor, yc: Tensor,
                      context: ExecutionContext = ExecutionContext(threads: 1)) throws {
        let (seq, batch, inputSize, hidden) = (op.seq, op.batch, op.input, op.hidden)
        let width = cell.gates * hidden
        let rows = seq * batch

        // Input projections of every time step at once: xw[t * batch + b] = x[t, b] · W^T + biases.
        // The product writes every value; with no input features there is none, and the projections are 0.
        let xwTensor = try Tensor(dtype: .float32, shape: [rows, width], zeroed: inputSize == 0)
        let xw = xwTensor.pointer(as: Float.self)
        if rows > 0 && inputSize > 0 && width > 0 {
            if let packedW, packedW.holds(bytesOf: op.w), packedW.k == inputSize, packedW.n == width, let panels = try packedW.panels() {
                BlockedGemm.multiply(m: rows, n: width, k: inputSize, a: op.x.pointer(as: Float.self), lda: inputSize,
                                     packed: panels, c: xw, ldc: width, accumulate: false, context: context)
            } else {
                context.gemm(transA: false, transB: true, m: rows, n: width, k: inputSize, alpha: 1,
                             a: op.x.pointer(as: Float.self), lda: inputSize, b: op.w.pointer(as: Float.self) + d * width * inputSize,
                             ldb: inputSize, beta: 0, c: xw, ldc: width)
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

        // Scratch of the loop: two states (each step reads one and writes the other), the cell
        // state, the products, r ⊙ h.
        let scratch = try Tensor(dtype: .float32, shape: [4 * batch * hidden + batch * width], zeroed: true)
        let base = scratch.pointer(as: Float.self)
        var (hPrev, hNext) = (base, base + batch * hidden)
        let c = base + 2 * batch * hidden, resetProduct = base + 3 * batch * hidden
        let hr = base + 4 * batch * hidden
        if let h0 = op.initialH { hPrev.update(from: h0.pointer(as: Float.self) + d * batch * hidden, count: batch * hidden) }
        if let c0 = op.initialC { c.update(from: c0.pointer(as: Float.self) + d * batch * hidden, count: batch * hidden) }
        let peepholes = op.peepholes.map { $0.pointer(as: Float.self) + d * 3 * hidden }
        var times = [Int](repeating: -1, count: batch)

        // A thread takes whole groups of 8 units; a step is split only where each part has about
        // 64k multiply-adds of the recurrent product, below which waking a worker costs more.
        let groups = (hidden + RecurrentStep.groupSize - 1) / RecurrentStep.groupSize
        let groupWork = Swift.max(1, RecurrentStep.groupSize * width * batch)
        let minGroups = Swift.max(1, ExecutionContext.gemmWorkPerThread / 16 / groupWork)

        try recurrentHBias.withUnsafeBufferPointer { rhb in
            try times.withUnsafeMutableBufferPointer { timesBuffer in
                for stepIndex in 0..<seq {
                    var anyActive = false
                    for b in 0..<batch {
                        let active = stepIndex < op.lengths[b]
                        timesBuffer[b] = active ? (forward ? stepIndex : op.lengths[b] - 1 - stepIndex) : -1
                        anyActive = anyActive || active
                    }
                    if !anyActive { break }
                    let step = RecurrentStep(
                        cell: cell, batch: batch, hidden: hidden, width: width, act: activations[d], clip: clip,
                        r: op.r.pointer(as: Float.self) + d * width * hidden, xw: xw, hr: hr, hPrev: hPrev, hNext: hNext,
                        c: c, resetProduct: resetProduct, peepholes: peepholes, recurrentHBias: rhb.baseAddress!,
                        times: timesBuffer.baseAddress!, y: y.pointer(as: Float.self), directions: directions, direction: d)
                    if case .gru(linearBeforeReset: false) = cell {
                        step.wholeProduct(hPrev, gates: 0..<2)
                        context.parallelFor(groups, minChunk: minGroups) { range in
                            step.product(step.hPrev, gates: 0..<2, units: step.units(range))
                            step.resetGates(units: step.units(range))
                        }
                        step.wholeProduct(resetProduct, gates: 2..<3)
                        context.parallelFor(groups, minChunk: minGroups) { range in
                            step.product(step.resetProduct, gates: 2..<3, units: step.units(range))
                            step.finishGRU(units: step.units(range))
                        }
                    } else {
                        step.wholeProduct(hPrev, gates: 0..<cell.gates)
                        context.parallelFor(groups, minChunk: minGroups) { range in
                            step.product(step.hPrev, gates: 0..<step.cell.gates, units: step.units(range))
                            step.update(units: step.units(range))
                        }
                    }
                    swap(&hPrev, &hNext)
                }
            }
        }
        let hp = yh.pointer(as: Float.self) + d * batch * hidden, cp = yc.pointer(as: Float.self) + d * batch * hidden
        for b in 0..<batch {
            // An empty sequence has no last state: its Y_h and Y_c are 0, as in onnxruntime.
            let empty = op.lengths[b] == 0
            for j in 0..<hidden {
                let k = b * hidden + j
                hp[k] = empty ? 0 : hPrev[k]
                cp[k] = empty ? 0 : c[k]
            }
        }
        withExtendedLifetime((xwTensor, scratch)) {}
    }
}
