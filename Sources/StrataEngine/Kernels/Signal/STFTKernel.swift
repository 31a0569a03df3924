import StrataCore

/// STFT: the short-time Fourier transform of signal [batch, length, 1|2]. Frame f holds the
/// `window_length` samples from f·`frame_step`, multiplied by `window` (default all ones), and is
/// transformed with length `frame_length` (default: the window's length), zero-padded or truncated.
/// Output [batch, frames, bins, 2] with frames = 1 + (length - frame_length) / frame_step and bins =
/// frame_length / 2 + 1 when `onesided` (the default), else frame_length. float64 through FFTW,
/// rounded once to the signal's dtype.
struct STFTKernel: Kernel {
    let node: Node
    let onesided: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        onesided = try node.typed(STFTAttributes.self).onesided
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let signal = try args.tensor(0)
        guard signal.dtype.isFloatingPoint, signal.rank == 3, signal.shape[2] == 1 || signal.shape[2] == 2 else {
            throw node.error("signal \(signal.type) must be float [batch, length, 1|2]", kind: .invalidInput)
        }
        let step = try scalar(args.tensor(1), "frame_step")
        let window = args.optional(2)
        if let window, !(window.rank == 1 && window.dtype.isFloatingPoint) {
            throw node.error("window \(window.type) must be a float vector", kind: .invalidInput)
        }
        let frameLength = try args.optional(3).map { try scalar($0, "frame_length") } ?? window?.count ?? signal.shape[1]
        let windowLength = window?.count ?? frameLength
        let (batch, length, parts) = (signal.shape[0], signal.shape[1], signal.shape[2])
        guard step >= 1, frameLength >= 1, windowLength >= 1, frameLength <= length else {
            throw node.error("frame_step \(step), frame_length \(frameLength) and window \(windowLength) do not fit a signal of "
                             + "\(length) samples", kind: .invalidInput)
        }
        let frames = 1 + (length - frameLength) / step
        let bins = onesided ? frameLength / 2 + 1 : frameLength
        let weights = window.map { w in (0..<w.count).map { w.doubleValue(at: $0) } } ?? Array(repeating: 1, count: windowLength)
        let y = try Tensor(dtype: .float64, shape: [batch, frames, bins, 2], zeroed: true)
        let plan = try FourierPlan(length: frameLength, kind: .forward, node: node)
        let out = y.pointer(as: Double.self)
        for b in 0..<batch {
            for f in 0..<frames {
                plan.run(read: { k in
                    let sample = f * step + k
                    guard k < windowLength, sample < length else { return (0, 0) }
                    let at = (b * length + sample) * parts
                    return (signal.doubleValue(at: at) * weights[k], parts == 2 ? signal.doubleValue(at: at + 1) * weights[k] : 0)
                }, write: { j, re, im in
                    guard j < bins else { return }
                    let at = ((b * frames + f) * bins + j) * 2
                    (out[at], out[at + 1]) = (re, im)
                })
            }
        }
        return [signal.dtype == .float64 ? y : try y.converted(to: signal.dtype, context: context)]
    }

    private func scalar(_ t: Tensor, _ name: String) throws -> Int {
        guard t.dtype.isInteger, t.count == 1 else { throw node.error("\(name) must be one integer, found \(t.type)", kind: .invalidInput) }
        return t.intValue(at: 0)
    }
}
