import COpenBLAS
import StrataCore

/// Backpropagation through time for `RNN`, `GRU` and `LSTM`: the gradients of X, W, R, B,
/// initial_h, initial_c and the LSTM peepholes P from those of Y, Y_h and Y_c.
///
/// The rule reads the node's inputs only: it runs each direction's time loop again in float64,
/// per batch entry (entries never interact), keeping every step's gate values, then walks the
/// steps backwards. The input projections of all steps, and the W and X gradients they give, are
/// one matrix product each per direction. The recomputation follows the forward kernel exactly: the same gate order
/// (LSTM i, o, f, c; GRU z, r, h), biases, peepholes, `input_forget`, `linear_before_reset`,
/// `clip` (which passes the gradient on `[-clip, clip]`, as PyTorch's clamp does), activations,
/// sequence lengths (steps past an entry's length carry no gradient, and an entry of length 0
/// leaves its initial states without one) and layouts.
extension RecurrentKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        SavedValues(inputs: Set(node.inputs.indices.filter { !node.inputs[$0].isEmpty }))
    }

    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let op = try prepare(step.inputs)
        let (seq, batch, inputSize, hidden) = (op.seq, op.batch, op.input, op.hidden)
        let width = cell.gates * hidden
        let gradients = RecurrentGradients(
            y: try outputGradient(step, 0, layout0: [seq, directions, batch, hidden], fromLayout1: [1, 2, 0, 3]),
            yh: try outputGradient(step, 1, layout0: [directions, batch, hidden], fromLayout1: [1, 0, 2]),
            yc: try outputGradient(step, 2, layout0: [directions, batch, hidden], fromLayout1: [1, 0, 2]),
            seq: seq, batch: batch, input: inputSize, hidden: hidden, width: width, directions: directions)
        let rows = seq * batch
        let x = Self.doubles(op.x, 0, rows * inputSize)
        for d in 0..<directions {
            let w = Self.doubles(op.w, d * width * inputSize, width * inputSize)
            let r = Self.doubles(op.r, d * width * hidden, width * hidden)
            // projected[t * batch + b] = x[t, b] · Wᵀ; dProjected is its gradient.
            var projected = [Double](repeating: 0, count: rows * width)
            var dProjected = projected
            let blas = rows > 0 && inputSize > 0 && width > 0
            if blas {
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(width), Int32(inputSize),
                            1, x, Int32(inputSize), w, Int32(inputSize), 0, &projected, Int32(width))
            }
            for b in 0..<batch where op.lengths[b] > 0 {
                backpropagate(direction: d, entry: b, op, projected: projected, r: r, into: gradients, dProjected: &dProjected)
            }
            if blas {
                gradients.w.withUnsafeMutableBufferPointer { dw in
                    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(width), Int32(inputSize), Int32(rows),
                                1, dProjected, Int32(width), x, Int32(inputSize), 1, dw.baseAddress! + d * width * inputSize, Int32(inputSize))
                }
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(inputSize), Int32(width),
                            1, dProjected, Int32(width), w, Int32(inputSize), 1, &gradients.x, Int32(inputSize))
            }
            for row in 0..<rows {
                for j in 0..<width { gradients.bias[d * 2 * width + j] += dProjected[row * width + j] }
            }
        }

        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        func tensor(_ values: [Double], _ shape: [Int], permutedBy order: [Int]? = nil) throws -> Tensor {
            let t = Tensor(values.map { Float($0) }, shape: shape)
            guard layout == 1, let order else { return t }
            return try t.permuted(order)
        }
        if step.wants(0) { result[0] = try tensor(gradients.x, [seq, batch, inputSize], permutedBy: [1, 0, 2]) }
        if step.wants(1) { result[1] = try tensor(gradients.w, [directions, width, inputSize]) }
        if step.wants(2) { result[2] = try tensor(gradients.r, [directions, width, hidden]) }
        if step.wants(3) { result[3] = try tensor(gradients.bias, [directions, 2 * width]) }
        if step.wants(5) { result[5] = try tensor(gradients.h0, [directions, batch, hidden], permutedBy: [1, 0, 2]) }
        if case .lstm = cell {
            if step.wants(6) { result[6] = try tensor(gradients.c0, [directions, batch, hidden], permutedBy: [1, 0, 2]) }
            if step.wants(7) { result[7] = try tensor(gradients.peepholes, [directions, 3 * hidden]) }
        }
        return result
    }

    /// Output `i`'s gradient in layout 0 as float64, nil when the score does not depend on it.
    private func outputGradient(_ step: BackwardStep, _ i: Int, layout0 shape: [Int], fromLayout1 order: [Int]) throws -> [Double]? {
        guard i < step.gradients.count, let g = step.gradients[i] else { return nil }
        try GradientMath.requireFloat32([g], node)
        let expected = layout == 0 ? shape : order.indices.map { k in shape[order.firstIndex(of: k)!] }
        guard g.shape == expected else {
            throw node.error("the gradient of output \(i) has shape \(g.shape), the output \(expected)", kind: .invalidInput)
        }
        let t = layout == 0 ? g : try g.permuted(order)
        let p = t.pointer(as: Float.self)
        return (0..<t.count).map { Double(p[$0]) }
    }

    /// `count` values of a float32 tensor from `offset`, as float64.
    private static func doubles(_ t: Tensor, _ offset: Int, _ count: Int) -> [Double] {
        let p = t.pointer(as: Float.self) + offset
        return (0..<count).map { Double(p[$0]) }
    }

    /// One batch entry of one direction: the forward loop again, then the steps in reverse.
    /// `projected` holds the input projections `x·Wᵀ` of every step; the gradients of the gate
    /// pre-activations go to `dProjected` (for W, X and Wb), the others straight to `g`.
    private func backpropagate(direction d: Int, entry b: Int, _ op: Operands, projected: [Double], r: [Double],
                               into g: RecurrentGradients, dProjected: inout [Double]) {
        let (batch, hidden) = (op.batch, op.hidden)
        let width = cell.gates * hidden
        let length = op.lengths[b]
        let forward = d == 0 && !reverseOnly
        let act = activations[d]
        func read(_ t: Tensor?, _ offset: Int, _ count: Int) -> [Double] {
            guard let t else { return [Double](repeating: 0, count: count) }
            let p = t.pointer(as: Float.self) + offset
            return (0..<count).map { Double(p[$0]) }
        }
        let wb = read(op.bias, d * 2 * width, width), rb = read(op.bias, d * 2 * width + width, width)
        let peep = read(op.peepholes, d * 3 * hidden, 3 * hidden)
        func time(_ s: Int) -> Int { forward ? s : length - 1 - s }
        /// Row `j` of step `s`'s input projection with its bias.
        func input(_ s: Int, _ j: Int) -> Double { projected[(time(s) * batch + b) * width + j] + wb[j] }
        /// `R[rowOffset ..< rowOffset + n] · v`.
        func product(_ rowOffset: Int, _ n: Int, _ v: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: n)
            guard n > 0, hidden > 0 else { return out }
            r.withUnsafeBufferPointer { rp in
                cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(hidden), 1, rp.baseAddress! + rowOffset * hidden, Int32(hidden),
                            v, 1, 0, &out, 1)
            }
            return out
        }
        /// For the rows `rowOffset ..< rowOffset + u.count` of a product `R·source` whose gradient is
        /// `u`: adds `u ⊗ source` to dR and `u` to dRb, and returns `d source = Rᵀ·u`.
        func recurrentBackward(_ rowOffset: Int, _ u: [Double], _ source: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: hidden)
            guard !u.isEmpty, hidden > 0 else { return out }
            g.r.withUnsafeMutableBufferPointer { dr in
                cblas_dger(CblasRowMajor, Int32(u.count), Int32(hidden), 1, u, 1, source, 1,
                           dr.baseAddress! + (d * width + rowOffset) * hidden, Int32(hidden))
            }
            for j in u.indices { g.bias[d * 2 * width + width + rowOffset + j] += u[j] }
            r.withUnsafeBufferPointer { rp in
                cblas_dgemv(CblasRowMajor, CblasTrans, Int32(u.count), Int32(hidden), 1, rp.baseAddress! + rowOffset * hidden, Int32(hidden),
                            u, 1, 0, &out, 1)
            }
            return out
        }
        /// The clipped value and the factor the gradient passes with.
        func clipped(_ v: Double) -> (Double, Double) {
            guard let clip else { return (v, 1) }
            let limit = Double(clip)
            return (Swift.min(limit, Swift.max(-limit, v)), abs(v) <= limit ? 1 : 0)
        }
        /// `activation(clip(a))` and its derivative with respect to `a`.
        func gate(_ f: RecurrentActivation, _ a: Double) -> (Double, Double) {
            let (v, pass) = clipped(a)
            return (f.value(v), pass * f.derivative(v))
        }

        // Forward: the states before each step and every gate's value and derivative.
        var states = [read(op.initialH, (d * batch + b) * hidden, hidden)]
        var cells = [read(op.initialC, (d * batch + b) * hidden, hidden)]
        var values: [[Double]] = [], slopes: [[Double]] = [], extra: [[Double]] = []
        for s in 0..<length {
            let h = states[s], c = cells[s]
            var value = [Double](repeating: 0, count: width), slope = value
            var aux: [Double] = []
            var next = [Double](repeating: 0, count: hidden), nextCell = c
            switch cell {
            case .rnn:
                let hr = product(0, hidden, h)
                for j in 0..<hidden {
                    (value[j], slope[j]) = gate(act[0], input(s, j) + hr[j] + rb[j])
                    next[j] = value[j]
                }
            case .gru(let linearBeforeReset):
                let hr = product(0, 2 * hidden, h)
                for j in 0..<(2 * hidden) {
                    (value[j], slope[j]) = gate(act[0], input(s, j) + hr[j] + rb[j])
                }
                let resetState = (0..<hidden).map { value[hidden + $0] * h[$0] }
                let hGate = product(2 * hidden, hidden, linearBeforeReset ? h : resetState)
                for j in 0..<hidden {
                    let row = 2 * hidden + j
                    let a: Double
                    if linearBeforeReset {
                        let u = hGate[j] + rb[row]
                        aux.append(u)
                        a = input(s, row) + value[hidden + j] * u
                    } else {
                        a = input(s, row) + hGate[j] + rb[row]
                    }
                    (value[row], slope[row]) = gate(act[1], a)
                    let z = value[j]
                    next[j] = (1 - z) * value[row] + z * h[j]
                }
                if !linearBeforeReset { aux = resetState }
            case .lstm(let inputForget):
                let hr = product(0, width, h)
                var a = (0..<width).map { input(s, $0) + hr[$0] + rb[$0] }
                for j in 0..<hidden {
                    a[j] += peep[j] * c[j]
                    a[2 * hidden + j] += peep[2 * hidden + j] * c[j]
                    (value[j], slope[j]) = gate(act[0], a[j])
                    if inputForget {
                        value[2 * hidden + j] = 1 - value[j]
                    } else {
                        (value[2 * hidden + j], slope[2 * hidden + j]) = gate(act[0], a[2 * hidden + j])
                    }
                    (value[3 * hidden + j], slope[3 * hidden + j]) = gate(act[1], a[3 * hidden + j])
                    nextCell[j] = value[2 * hidden + j] * c[j] + value[j] * value[3 * hidden + j]
                    (value[hidden + j], slope[hidden + j]) = gate(act[0], a[hidden + j] + peep[hidden + j] * nextCell[j])
                    next[j] = value[hidden + j] * act[2].value(nextCell[j])
                }
            }
            values.append(value)
            slopes.append(slope)
            extra.append(aux)
            states.append(next)
            cells.append(nextCell)
        }

        // Backward through the steps, last first.
        let stateIndex = (d * batch + b) * hidden
        var dh = g.yh.map { Array($0[stateIndex..<(stateIndex + hidden)]) } ?? [Double](repeating: 0, count: hidden)
        var dc = g.yc.map { Array($0[stateIndex..<(stateIndex + hidden)]) } ?? [Double](repeating: 0, count: hidden)
        for s in stride(from: length - 1, through: 0, by: -1) {
            if let gy = g.y {
                let row = ((time(s) * directions + d) * batch + b) * hidden
                for j in 0..<hidden { dh[j] += gy[row + j] }
            }
            let h = states[s], c = cells[s], value = values[s], slope = slopes[s]
            // d(pre-activation) of each gate row, through the input projection and through R.
            var dInput = [Double](repeating: 0, count: width), dRecurrent = dInput
            var dPrevious = [Double](repeating: 0, count: hidden), dPreviousCell = dPrevious
            switch cell {
            case .rnn:
                for j in 0..<hidden { dInput[j] = dh[j] * slope[j] }
                dRecurrent = dInput
            case .gru(let linearBeforeReset):
                var dReset = [Double](repeating: 0, count: hidden)
                let aux = extra[s]
                for j in 0..<hidden {
                    let row = 2 * hidden + j, z = value[j]
                    dInput[row] = dh[j] * (1 - z) * slope[row]
                    dInput[j] = dh[j] * (h[j] - value[row]) * slope[j]
                    dPrevious[j] = dh[j] * z
                    if linearBeforeReset {
                        dReset[j] = dInput[row] * aux[j]
                        dRecurrent[row] = dInput[row] * value[hidden + j]
                    } else {
                        dRecurrent[row] = dInput[row]
                    }
                }
                // The h gate's recurrent product reads r ⊙ h (or h when linear before reset).
                let dSource = recurrentBackward(2 * hidden, Array(dRecurrent[(2 * hidden)...]), linearBeforeReset ? h : aux)
                for k in 0..<hidden {
                    if linearBeforeReset {
                        dPrevious[k] += dSource[k]
                    } else {
                        dReset[k] += dSource[k] * h[k]
                        dPrevious[k] += dSource[k] * value[hidden + k]
                    }
                }
                for j in 0..<hidden {
                    dInput[hidden + j] = dReset[j] * slope[hidden + j]
                    dRecurrent[j] = dInput[j]
                    dRecurrent[hidden + j] = dInput[hidden + j]
                }
            case .lstm(let inputForget):
                let next = cells[s + 1]
                for j in 0..<hidden {
                    let (i, o, f, candidate) = (value[j], value[hidden + j], value[2 * hidden + j], value[3 * hidden + j])
                    let squashed = act[2].value(next[j])
                    var dCell = dc[j] + dh[j] * o * act[2].derivative(next[j])
                    let dO = dh[j] * squashed * slope[hidden + j]
                    dCell += dO * peep[hidden + j]
                    g.peepholes[d * 3 * hidden + hidden + j] += dO * next[j]
                    var dI = dCell * candidate
                    let dF = dCell * c[j]
                    let dCandidate = dCell * i * slope[3 * hidden + j]
                    var dFGate = 0.0
                    if inputForget { dI -= dF } else { dFGate = dF * slope[2 * hidden + j] }
                    let dIGate = dI * slope[j]
                    dPreviousCell[j] = dCell * f + dIGate * peep[j] + dFGate * peep[2 * hidden + j]
                    g.peepholes[d * 3 * hidden + j] += dIGate * c[j]
                    g.peepholes[d * 3 * hidden + 2 * hidden + j] += dFGate * c[j]
                    (dInput[j], dInput[hidden + j], dInput[2 * hidden + j], dInput[3 * hidden + j]) = (dIGate, dO, dFGate, dCandidate)
                }
                dRecurrent = dInput
            }
            // W, Wb and X get dInput through dProjected; R, Rb and the previous state get dRecurrent,
            // except GRU's h rows, whose recurrent product the GRU case handled.
            let projectedRow = (time(s) * batch + b) * width
            for j in 0..<width { dProjected[projectedRow + j] += dInput[j] }
            let recurrentRows: Int
            if case .gru = cell { recurrentRows = 2 * hidden } else { recurrentRows = width }
            let dState = recurrentBackward(0, Array(dRecurrent[..<recurrentRows]), h)
            for k in 0..<hidden { dPrevious[k] += dState[k] }
            dh = dPrevious
            if case .lstm = cell { dc = dPreviousCell }
        }
        for j in 0..<hidden {
            g.h0[stateIndex + j] += dh[j]
            g.c0[stateIndex + j] += dc[j]
        }
    }
}
