import Foundation
import StrataCore

/// MelWeightMatrix: [dft_length / 2 + 1, num_mel_bins] triangular filters that map a one-sided
/// spectrum to mel bins between `lower_edge_hertz` and `upper_edge_hertz` (mel = 2595·log10(1 + f/700))
/// at `sample_rate`, in `output_datatype` (default float32). Edges are computed as the ONNX reference
/// computes them: the mel edges in float32, then float64, each edge frequency floored to a spectrum
/// index by `(dft_length + 1)·f // sample_rate`.
struct MelWeightMatrixKernel: Kernel {
    let node: Node
    let dtype: DType

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        dtype = try node.typed(MelWeightMatrixAttributes.self).dtype
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let scalars = try (0..<5).map { i -> Tensor in
            let t = try args.tensor(i)
            guard t.count == 1 else { throw node.error("input \(i) must be a scalar, found \(t.type)", kind: .invalidInput) }
            return t
        }
        let (melBins, dftLength, sampleRate) = (scalars[0].intValue(at: 0), scalars[1].intValue(at: 0), scalars[2].intValue(at: 0))
        let (lower, upper) = (Float(scalars[3].doubleValue(at: 0)), Float(scalars[4].doubleValue(at: 0)))
        guard (1...65536).contains(melBins), (1...(1 << 24)).contains(dftLength), sampleRate > 0,
              lower.isFinite, upper.isFinite, lower >= 0, upper > lower else {
            throw node.error("num_mel_bins \(melBins), dft_length \(dftLength), sample_rate \(sampleRate) and edges \(lower)…\(upper) "
                             + "do not describe a mel filter bank", kind: .invalidInput)
        }
        let spectrumBins = dftLength / 2 + 1
        let lowMel = Double(2595 * Foundation.log1p(lower / 700)) / Foundation.log(10.0)
        let highMel = Double(2595 * Foundation.log1p(upper / 700)) / Foundation.log(10.0)
        let melStep = (highMel - lowMel) / Double(melBins + 2)
        let edges = (0..<(melBins + 2)).map { i -> Double in
            let hertz = 700 * Foundation.expm1((Double(i) * melStep + lowMel) / 2595 * Foundation.log(10.0))
            return Self.floorDivide(Double(dftLength + 1) * hertz, Double(sampleRate))
        }
        guard edges.allSatisfy({ $0 >= 0 && $0 < Double(spectrumBins) }) else {
            throw node.error("upper_edge_hertz \(upper) lies above the spectrum's \(spectrumBins) bins at sample_rate \(sampleRate)",
                             kind: .invalidInput)
        }
        let index = edges.map { Int($0) }
        let y = try Tensor(dtype: .float64, shape: [spectrumBins, melBins], zeroed: true)
        let out = y.pointer(as: Double.self)
        for m in 0..<melBins {
            let (left, center, right) = (index[m], index[m + 1], index[m + 2])
            if center == left {
                out[center * melBins + m] = 1
            } else {
                for j in left...center { out[j * melBins + m] = Double(j - left) / Double(center - left) }
            }
            if right > center {
                for j in center..<right { out[j * melBins + m] = Double(right - j) / Double(right - center) }
            }
        }
        return [dtype == .float64 ? y : try y.converted(to: dtype, context: context)]
    }

    /// Python's float `a // b` (numpy's `floor_divide`): the quotient of a - fmod(a, b), then floored.
    static func floorDivide(_ a: Double, _ b: Double) -> Double {
        let mod = Foundation.fmod(a, b)
        var quotient = (a - mod) / b
        if mod != 0, (b < 0) != (mod < 0) { quotient -= 1 }
        let floored = Foundation.floor(quotient)
        return quotient - floored > 0.5 ? floored + 1 : floored
    }
}
