import StrataCore

/// DFT: the discrete Fourier transform along one axis of X [..., 1|2], whose last axis holds a
/// real value or a (real, imaginary) pair. The axis is the `axis` attribute (opset 17–19, default 1)
/// or the optional scalar `axis` input (opset 20, default -2), never the last. `dft_length` (optional
/// input) zero-pads or truncates the signal. `inverse` divides by the length; `onesided` keeps the first
/// n/2 + 1 frequencies of a forward transform, and with `inverse` reads such a half spectrum and
/// writes the real signal of `dft_length` (default 2·(bins - 1)) values [..., 1]. Computed in float64
/// through FFTW, rounded once to X's dtype.
struct DFTKernel: Kernel {
    let node: Node
    let inverse: Bool
    let onesided: Bool
    let attributeAxis: Int?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(DFTAttributes.self)
        (inverse, onesided, attributeAxis) = (attributes.inverse, attributes.onesided, attributes.axis)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard x.dtype.isFloatingPoint, x.rank >= 2, x.shape.last == 1 || x.shape.last == 2 else {
            throw node.error("input \(x.type) must be float [..., 1] (real) or [..., 2] (complex)", kind: .invalidInput)
        }
        let rawAxis = try attributeAxis ?? signalScalar(args.optional(2), "axis") ?? -2
        let axis = rawAxis < 0 ? rawAxis + x.rank : rawAxis
        guard (0..<(x.rank - 1)).contains(axis) else {
            throw node.error("axis \(rawAxis) must name one of the signal axes of \(x.type), not the last", kind: .invalidInput)
        }
        let given = x.shape[axis]
        let n = try signalScalar(args.optional(1), "dft_length") ?? (inverse && onesided ? 2 * (given - 1) : given)
        guard n >= 1 else { throw node.error("the DFT length \(n) must be positive", kind: .invalidInput) }
        let kind: FourierPlan.Kind = inverse ? (onesided ? .halfSpectrumToReal : .backward) : .forward
        let bins = !inverse && onesided ? n / 2 + 1 : n
        let pairs = kind == .halfSpectrumToReal ? 1 : 2
        var shape = x.shape
        shape[axis] = bins
        shape[shape.count - 1] = pairs
        guard shape.checkedElementCount != nil else { throw node.error("output \(shape) is too large", kind: .resourceLimit) }
        let y = try Tensor(dtype: .float64, shape: shape, zeroed: true)
        let plan = try FourierPlan(length: n, kind: kind, node: node)
        let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)..<(x.rank - 1)].reduce(1, *)
        let (parts, scale) = (x.shape[x.rank - 1], inverse ? 1 / Double(n) : 1)
        let out = y.pointer(as: Double.self)
        let read = min(given, plan.inputCount)
        for o in 0..<outer {
            for i in 0..<inner {
                plan.run(read: { k in
                    guard k < read else { return (0, 0) }
                    let at = ((o * given + k) * inner + i) * parts
                    return (x.doubleValue(at: at), parts == 2 ? x.doubleValue(at: at + 1) : 0)
                }, write: { j, re, im in
                    guard j < bins else { return }
                    let at = ((o * bins + j) * inner + i) * pairs
                    out[at] = re * scale
                    if pairs == 2 { out[at + 1] = im * scale }
                })
            }
        }
        return [x.dtype == .float64 ? y : try y.converted(to: x.dtype, context: context)]
    }

    private func signalScalar(_ t: Tensor?, _ name: String) throws -> Int? {
        guard let t else { return nil }
        guard t.dtype.isInteger, t.count == 1 else { throw node.error("\(name) must be one integer, found \(t.type)", kind: .invalidInput) }
        return t.intValue(at: 0)
    }
}
