import StrataCore

/// `RNN`, `GRU` and `LSTM` (every opset): one recurrent layer run forward, in reverse or both
/// ways, with optional biases, initial states, per-batch sequence lengths, LSTM peepholes and
/// coupled input/forget gates, GRU's `linear_before_reset`, custom activations, `clip`
/// (applied to every gate's input before its activation) and both layouts. Computes in float32
/// (float16 and bfloat16 are widened). Steps past a batch entry's sequence length leave its
/// state unchanged and its Y rows zero; an entry of length 0 gets zero Y_h and Y_c.
struct RecurrentKernel: WeightPacking {
    enum Cell: Sendable, Equatable {
        case rnn
        case gru(linearBeforeReset: Bool)
        case lstm(inputForget: Bool)

        /// Gates per hidden unit: rows of W and R are `gates * hidden`.
        var gates: Int {
            switch self {
            case .rnn: return 1
            case .gru: return 3
            case .lstm: return 4
            }
        }
    }

    let node: Node
    let cell: Cell
    /// Per direction; direction 0 runs forward unless the op is `reverse`.
    let directions: Int
    let reverseOnly: Bool
    let hiddenSize: Int?
    let layout: Int
    let clip: Float?
    let activations: [[RecurrentActivation]]
    /// A constant float32 W of one direction, packed for the tier's own GEMM, which then makes the
    /// input projections of all steps (as MatMul's packed weights, `PackedGemmWeight`).
    let packedW: PackedGemmWeight?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(RecurrentAttributes.self)
        switch node.opType {
        case "RNN": cell = .rnn
        case "GRU": cell = .gru(linearBeforeReset: attributes.linearBeforeReset)
        case "LSTM": cell = .lstm(inputForget: attributes.inputForget)
        default: throw node.error("not a recurrent op", kind: .unsupported)
        }
        (directions, reverseOnly) = (attributes.directions, attributes.direction == .reverse)
        (hiddenSize, layout, clip) = (attributes.hiddenSize, attributes.layout, attributes.clip)
        let defaults: [RecurrentActivation.Function]
        switch cell {
        case .rnn: defaults = [.tanh]
        case .gru: defaults = [.sigmoid, .tanh]
        case .lstm: defaults = [.sigmoid, .tanh, .tanh]
        }
        activations = try RecurrentActivation.parse(attributes, node: node, defaults: defaults)
        // W is [directions, gates · hidden, input]: with one direction, the projections' Bᵀ as it lies.
        packedW = ctx.constant(1).flatMap { w in
            guard w.dtype == .float32, w.rank == 3, w.shape[0] == 1 else { return nil }
            return PackedGemmWeight(w.reshaped([w.shape[1], w.shape[2]]), transposed: true, name: "node '\(ctx.node.name)'")
        }
    }

    func packWeights() throws { _ = try packedW?.panels() }

    /// The inputs as float32 tensors in layout 0, checked against each other.
    struct Operands {
        var x: Tensor          // [seq, batch, input]
        var w: Tensor          // [directions, gates * hidden, input]
        var r: Tensor          // [directions, gates * hidden, hidden]
        var bias: Tensor?      // [directions, 2 * gates * hidden]
        var lengths: [Int]     // per batch entry
        var initialH: Tensor?  // [directions, batch, hidden]
        var initialC: Tensor?
        var peepholes: Tensor? // [directions, 3 * hidden]
        var seq: Int, batch: Int, input: Int, hidden: Int
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let operands = try prepare(inputs)
        let (seq, batch, hidden) = (operands.seq, operands.batch, operands.hidden)
        let y = try Tensor(dtype: .float32, shape: [seq, directions, batch, hidden], zeroed: true)
        let yh = try Tensor(dtype: .float32, shape: [directions, batch, hidden])
        let yc = try Tensor(dtype: .float32, shape: [directions, batch, hidden])
        for d in 0..<directions {
            let forward = d == 0 && !reverseOnly
            try runDirection(d, forward: forward, operands, y: y, yh: yh, yc: yc, context: context)
        }
        let dtype = inputs.first??.dtype ?? .float32
        var outputs: [Tensor] = []
        for (i, t) in [y, yh, yc].prefix(node.outputs.count).enumerated() {
            let out = layout == 0 ? t : try t.permuted(i == 0 ? [2, 0, 1, 3] : [1, 0, 2])
            outputs.append(try NumericStaging.convert(out, to: dtype))
        }
        return outputs
    }

    func prepare(_ inputs: [Tensor?]) throws -> Operands {
        func input(_ i: Int) -> Tensor? { i < inputs.count ? inputs[i] : nil }
        guard let x0 = input(0), let w0 = input(1), let r0 = input(2) else {
            throw node.error("inputs X, W and R are required")
        }
        for i in [0, 1, 2, 3, 5, 6, 7] {
            if let t = input(i), ![.float32, .float16, .bfloat16].contains(t.dtype) {
                throw NumericStaging.unsupported(t.dtype, node: node, supported: "float32, float16, bfloat16")
            }
        }
        func float32(_ t: Tensor) throws -> Tensor { try NumericStaging.convert(t, to: .float32) }
        func staged(_ t: Tensor?) throws -> Tensor? { try t.map(float32) }
        guard x0.rank == 3 else { throw node.error("input X must have rank 3, got \(x0.shape)", kind: .invalidInput) }
        var x = try float32(x0)
        if layout == 1 { x = try x.permuted([1, 0, 2]) }
        let (seq, batch, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
        let gates = cell.gates
        guard r0.rank == 3, r0.shape[0] == directions else {
            throw node.error("input R must be [\(directions), \(gates) * hidden, hidden], got \(r0.shape)", kind: .invalidInput)
        }
        let hidden = hiddenSize ?? r0.shape[2]
        func check(_ t: Tensor?, _ name: String, _ shape: [Int]) throws {
            if let t, t.shape != shape {
                throw node.error("input \(name) must have shape \(shape), got \(t.shape)", kind: .invalidInput)
            }
        }
        try check(w0, "W", [directions, gates * hidden, inputSize])
        try check(r0, "R", [directions, gates * hidden, hidden])
        try check(input(3), "B", [directions, 2 * gates * hidden])
        var lengths = Array(repeating: seq, count: batch)
        if let s = input(4) {
            guard s.dtype.isInteger, s.shape == [batch] else {
                throw node.error("input sequence_lens must be an integer tensor of shape [\(batch)], got \(s.dtype.rawValue)\(s.shape)",
                                 kind: .invalidInput)
            }
            lengths = s.ints()
            if let bad = lengths.first(where: { $0 < 0 || $0 > seq }) {
                throw node.error("sequence length \(bad) is outside 0...\(seq)", kind: .invalidInput)
            }
        }
        var initialH = try staged(input(5)), initialC = try staged(input(6))
        if layout == 1 {
            initialH = try initialH.map { try Self.checkedRank3($0, "initial_h", node: node, then: [1, 0, 2]) }
            initialC = try initialC.map { try Self.checkedRank3($0, "initial_c", node: node, then: [1, 0, 2]) }
        }
        try check(initialH, "initial_h", [directions, batch, hidden])
        if case .lstm = cell {
            try check(initialC, "initial_c", [directions, batch, hidden])
            try check(input(7), "P", [directions, 3 * hidden])
        }
        return Operands(
            x: x, w: try float32(w0), r: try float32(r0), bias: try staged(input(3)), lengths: lengths,
            initialH: initialH, initialC: initialC, peepholes: try staged(input(7)),
            seq: seq, batch: batch, input: inputSize, hidden: hidden
        )
    }

    /// A layout-1 state input moved to layout 0, once it is known to have rank 3.
    private static func checkedRank3(_ t: Tensor, _ name: String, node: Node, then order: [Int]) throws -> Tensor {
        guard t.rank == 3 else { throw node.error("input \(name) must have rank 3, got \(t.shape)", kind: .invalidInput) }
        return try t.permuted(order)
    }
}
