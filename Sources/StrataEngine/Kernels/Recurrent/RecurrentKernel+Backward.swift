import StrataCore

/// Backpropagation through time for `RNN`, `GRU` and `LSTM`: the gradients of X, W, R, B,
/// initial_h, initial_c and the LSTM peepholes P from those of Y, Y_h and Y_c.
///
/// The rule reads the node's inputs only: it runs each direction's time loop again in float64,
/// per batch entry (entries never interact), keeping every step's gate values, then walks the
/// steps backwards. The recomputation follows the forward kernel exactly: the same gate order
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
        for d in 0..<directions {
            for b in 0..<batch where op.lengths[b] > 0 {
                backpropagate(direction: d, entry: b, op, into: gradients)
            }
        }

        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        func tensor(_ values: [Double], _ shape: [Int], permutedBy order: [Int]? = nil) throws -> Tensor {
            let t = Tensor(values.map { Float($0) }, shape: shape)
            guard layout == 1, let order else { return t }
            return try Self.permuted(t, order)
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
        let t = layout == 0 ? g : try Self.permuted(g, order)
        let p = t.pointer(as: Float.self)
        return (0..<t.count).map { Double(p[$0]) }
    }

    /// One batch entry of one direction: the forward loop again, then the steps in reverse.
    private func backpropagate(direction d: Int, entry b: Int, _ op: Operands, into g: RecurrentGradients) {
        let (batch, inputSize, hidden) = (op.batch, op.input, op.hidden)
        let width = cell.gates * hidden
        let length = op.lengths[b]
        let forward = d == 0 && !reverseOnly
        let act = activations[d]
        let w = op.w.pointer(as: Float.self) + d * width * inputSize
        let r = op.r.pointer(as: Float.self) + d * width * hidden
        func read(_ t: Tensor?, _ offset: Int, _ count: Int) -> [Double] {
            guard let t else { return [Double](repeating: 0, count: count) }
            let p = t.pointer(as: Float.self) + offset
            return (0..<count).map { Double(p[$0]) }
        }
        let wb = read(op.bias, d * 2 * width, width), rb = read(op.bias, d * 2 * width + width, width)
        let peep = read(op.peepholes, d * 3 * hidden, 3 * hidden)
        func time(_ s: Int) -> Int { forward ? s : length - 1 - s }
        func x(_ s: Int) -> [Double] { read(op.x, (time(s) * batch + b) * inputSize, inputSize) }
        /// `Σ_k M[row, k] v[k]` for `M` with `columns` columns.
        func dot(_ m: UnsafeMutablePointer<Float>, _ row: Int, _ columns: Int, _ v: [Double]) -> Double {
            var sum = 0.0
            for k in 0..<columns { sum += Double(m[row * columns + k]) * v[k] }
            return sum
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
            let xs = x(s), h = states[s], c = cells[s]
            var value = [Double](repeating: 0, count: width), slope = value
            var aux: [Double] = []
            var next = [Double](repeating: 0, count: hidden), nextCell = c
            switch cell {
            case .rnn:
                for j in 0..<hidden {
                    (value[j], slope[j]) = gate(act[0], dot(w, j, inputSize, xs) + wb[j] + dot(r, j, hidden, h) + rb[j])
                    next[j] = value[j]
                }
            case .gru(let linearBeforeReset):
                for j in 0..<(2 * hidden) {
                    (value[j], slope[j]) = gate(act[0], dot(w, j, inputSize, xs) + wb[j] + dot(r, j, hidden, h) + rb[j])
                }
                let resetState = (0..<hidden).map { value[hidden + $0] * h[$0] }
                for j in 0..<hidden {
                    let row = 2 * hidden + j
                    let projected = dot(w, row, inputSize, xs) + wb[row]
                    let a: Double
                    if linearBeforeReset {
                        let u = dot(r, row, hidden, h) + rb[row]
                        aux.append(u)
                        a = projected + value[hidden + j] * u
                    } else {
                        a = projected + dot(r, row, hidden, resetState) + rb[row]
                    }
                    (value[row], slope[row]) = gate(act[1], a)
                    let z = value[j]
                    next[j] = (1 - z) * value[row] + z * h[j]
                }
                if !linearBeforeReset { aux = resetState }
            case .lstm(let inputForget):
                var a = (0..<width).map { dot(w, $0, inputSize, xs) + wb[$0] + dot(r, $0, hidden, h) + rb[$0] }
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
            let xs = x(s), h = states[s], c = cells[s], value = values[s], slope = slopes[s]
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
                let hRows = (2 * hidden)..<width
                let source = linearBeforeReset ? h : aux
                var dSource = [Double](repeating: 0, count: hidden)
                for row in hRows where dRecurrent[row] != 0 {
                    for k in 0..<hidden {
                        g.r[(d * width + row) * hidden + k] += dRecurrent[row] * source[k]
                        dSource[k] += Double(r[row * hidden + k]) * dRecurrent[row]
                    }
                    g.bias[d * 2 * width + width + row] += dRecurrent[row]
                }
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
            // W, Wb and X from dInput; R, Rb and the previous state from dRecurrent, except GRU's
            // h rows, whose recurrent product the GRU case handled.
            let xRow = (time(s) * batch + b) * inputSize
            for row in 0..<width {
                let dA = dInput[row]
                if dA != 0 {
                    g.bias[d * 2 * width + row] += dA
                    for k in 0..<inputSize {
                        g.w[(d * width + row) * inputSize + k] += dA * xs[k]
                        g.x[xRow + k] += Double(w[row * inputSize + k]) * dA
                    }
                }
                if case .gru = cell, row >= 2 * hidden { continue }
                let dR = dRecurrent[row]
                guard dR != 0 else { continue }
                g.bias[d * 2 * width + width + row] += dR
                for k in 0..<hidden {
                    g.r[(d * width + row) * hidden + k] += dR * h[k]
                    dPrevious[k] += Double(r[row * hidden + k]) * dR
                }
            }
            dh = dPrevious
            if case .lstm = cell { dc = dPreviousCell }
        }
        for j in 0..<hidden {
            g.h0[stateIndex + j] += dh[j]
            g.c0[stateIndex + j] += dc[j]
        }
    }
}
