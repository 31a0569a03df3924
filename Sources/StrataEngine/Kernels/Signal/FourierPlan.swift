import CFFTW
import StrataCore
import Synchronization

/// One-dimensional discrete Fourier transforms of one length through FFTW (double precision,
/// `FFTW_ESTIMATE` plans, so one input always gives the same bits): complex to complex in either
/// direction, or half-spectrum to real. Unnormalised, as FFTW computes them. One plan serves one
/// kernel run; its buffers are reused for every signal of the run.
final class FourierPlan {
    enum Kind {
        /// Σ x[k]·e^(-2πi·jk/n).
        case forward
        /// Σ x[k]·e^(+2πi·jk/n).
        case backward
        /// The backward transform of a Hermitian spectrum given by its first n/2 + 1 values, whose
        /// result is real (the imaginary parts of the first and, for even n, the middle value are ignored).
        case halfSpectrumToReal
    }

    let length: Int
    let kind: Kind
    private let input: UnsafeMutablePointer<fftw_complex>
    private let output: UnsafeMutablePointer<fftw_complex>
    private let plan: OpaquePointer

    /// FFTW's planner is not thread-safe; plans are made and destroyed under this lock.
    private static let planning = Mutex(())

    /// The input count the transform reads: n, or n/2 + 1 for `halfSpectrumToReal`.
    var inputCount: Int { kind == .halfSpectrumToReal ? length / 2 + 1 : length }

    /// A plan for signals of `length` (1 ... Int32.max) values; `node` locates the error when
    /// FFTW cannot provide one.
    init(length: Int, kind: Kind, node: Node) throws {
        guard length >= 1, length <= Int(Int32.max) else {
            throw node.error("a DFT length of \(length) is outside 1...\(Int32.max)", kind: .invalidInput)
        }
        // Two buffers of n complex values (32·n bytes): callers allocate their output tensor of at
        // least n/2 float64 values first, so `MemoryLimit` has already bounded n.
        guard let input = fftw_alloc_complex(length), let output = fftw_alloc_complex(length) else {
            throw node.error("cannot allocate DFT buffers of \(length) values", kind: .resourceLimit)
        }
        var planned: OpaquePointer?
        Self.planning.withLock { _ in
            switch kind {
            case .forward: planned = fftw_plan_dft_1d(Int32(length), input, output, FFTW_FORWARD, FFTW_ESTIMATE)
            case .backward: planned = fftw_plan_dft_1d(Int32(length), input, output, FFTW_BACKWARD, FFTW_ESTIMATE)
            case .halfSpectrumToReal:
                planned = output.withMemoryRebound(to: Double.self, capacity: 2 * length) { real in
                    fftw_plan_dft_c2r_1d(Int32(length), input, real, FFTW_ESTIMATE)
                }
            }
        }
        guard let planned else {
            fftw_free(input)
            fftw_free(output)
            throw node.error("FFTW could not plan a DFT of length \(length)", kind: .resourceLimit)
        }
        (self.length, self.kind, self.input, self.output, self.plan) = (length, kind, input, output, planned)
    }

    deinit {
        Self.planning.withLock { _ in fftw_destroy_plan(plan) }
        fftw_free(input)
        fftw_free(output)
    }

    /// Transforms one signal: `read(k)` gives input value k (real, imaginary) for k < `inputCount`;
    /// `write(j, re, im)` receives output j for j < `length` (imaginary 0 for a real result).
    func run(read: (Int) -> (Double, Double), write: (Int, Double, Double) -> Void) {
        for k in 0..<inputCount { input[k] = read(k) }
        switch kind {
        case .forward, .backward:
            fftw_execute_dft(plan, input, output)
            for j in 0..<length { write(j, output[j].0, output[j].1) }
        case .halfSpectrumToReal:
            // c2r overwrites its input, which is refilled for every signal.
            output.withMemoryRebound(to: Double.self, capacity: 2 * length) { real in
                fftw_execute_dft_c2r(plan, input, real)
                for j in 0..<length { write(j, real[j], 0) }
            }
        }
    }
}
