import Foundation
import StrataCore

/// DeformConv (2-D): a grouped convolution of X [N, C, H, W] with W [M, C/group, kH, kW] whose kernel
/// taps are displaced per output position by `offset` [N, offset_group·kH·kW·2, oH, oW] ((dy, dx) per
/// tap) and scaled by the optional `mask` [N, offset_group·kH·kW, oH, oW]; each displaced tap reads X
/// by bilinear interpolation, zero outside the image. Optional bias B [M]. `strides`, `pads`,
/// `dilations` as for Conv. Accumulated in float64, stored as float32 (other float dtypes through
/// float32).
struct DeformConvKernel: Kernel {
    let node: Node
    let attributes: ConvAttributes
    var group: Int { attributes.group }
    var offsetGroup: Int { attributes.offsetGroup }

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(ConvAttributes.self)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard x.dtype.isFloatingPoint else { throw node.error("X has dtype \(x.dtype.rawValue); expected a float type", kind: .invalidInput) }
        if x.dtype != .float32 {
            return try runWidened(inputs, from: x.dtype, context: context) { try run($0, context: context) }
        }
        let (w, offset) = (try args.tensor(1), try args.tensor(2))
        guard x.rank == 4 else { throw node.error("only 2-D DeformConv is implemented; X is \(x.type)", kind: .unsupported) }
        guard w.rank == 4, offset.rank == 4, w.dtype == .float32, offset.dtype == .float32 else {
            throw node.error("W \(w.type) and offset \(offset.type) must be float32 of rank 4", kind: .invalidInput)
        }
        let (n, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outChannels, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let window = attributes.window
        let kernel = window.kernelShape ?? [kh, kw]
        let strides = window.strides ?? [1, 1], dilations = window.dilations ?? [1, 1]
        let pads = window.pads ?? [0, 0, 0, 0]
        guard kernel == [kh, kw], strides.count == 2, dilations.count == 2, pads.count == 4,
              (strides + dilations).allSatisfy({ (1...65536).contains($0) }), pads.allSatisfy({ (0...65536).contains($0) }) else {
            throw node.error("kernel_shape \(kernel), strides \(strides), dilations \(dilations) and pads \(pads) do not fit W \(w.type)")
        }
        let oh = (height + pads[0] + pads[2] - (kh - 1) * dilations[0] - 1) / strides[0] + 1
        let ow = (width + pads[1] + pads[3] - (kw - 1) * dilations[1] - 1) / strides[1] + 1
        let taps = kh * kw
        guard channels == w.shape[1] * group, outChannels % group == 0, channels % offsetGroup == 0,
              offset.shape == [n, offsetGroup * taps * 2, oh, ow] else {
            throw node.error("X \(x.type), W \(w.type), offset \(offset.type) do not agree with group \(group), offset_group "
                             + "\(offsetGroup) and output \(oh)×\(ow)", kind: .invalidInput)
        }
        let bias = args.optional(3), mask = args.optional(4)
        if let bias, bias.count != outChannels || !bias.dtype.isFloatingPoint {
            throw node.error("B \(bias.type) must hold \(outChannels) float values", kind: .invalidInput)
        }
        if let mask, mask.shape != [n, offsetGroup * taps, oh, ow] || !mask.dtype.isFloatingPoint {
            throw node.error("mask \(mask.type) must be [\(n), \(offsetGroup * taps), \(oh), \(ow)]", kind: .invalidInput)
        }
        let y = try Tensor(dtype: .float32, shape: [n, outChannels, oh, ow])
        let (src, weights, shift, dst) = (x.pointer(as: Float.self), w.pointer(as: Float.self), offset.pointer(as: Float.self),
                                          y.pointer(as: Float.self))
        let maskValues = mask?.floats()
        let (inPerGroup, outPerGroup, inPerOffsetGroup) = (channels / group, outChannels / group, channels / offsetGroup)
        let plane = oh * ow
        var samples = [Double](repeating: 0, count: inPerGroup * taps)
        for b in 0..<n {
            for i in 0..<oh {
                for j in 0..<ow {
                    for g in 0..<group {
                        // The displaced, masked samples of this group's input channels at (i, j).
                        for c in 0..<inPerGroup {
                            let channel = g * inPerGroup + c
                            let og = channel / inPerOffsetGroup
                            let image = src + (b * channels + channel) * height * width
                            for t in 0..<taps {
                                let base = ((b * offsetGroup + og) * taps + t) * 2
                                let dy = Double(shift[base * plane + i * ow + j]), dx = Double(shift[(base + 1) * plane + i * ow + j])
                                let y0 = Double(i * strides[0] - pads[0] + (t / kw) * dilations[0]) + dy
                                let x0 = Double(j * strides[1] - pads[1] + (t % kw) * dilations[1]) + dx
                                let scale = maskValues.map { Double($0[((b * offsetGroup + og) * taps + t) * plane + i * ow + j]) } ?? 1
                                samples[c * taps + t] = bilinear(image, height, width, y0, x0) * scale
                            }
                        }
                        for m in (g * outPerGroup)..<((g + 1) * outPerGroup) {
                            var sum = bias.map { $0.doubleValue(at: m) } ?? 0
                            let filter = weights + m * inPerGroup * taps
                            for k in 0..<(inPerGroup * taps) { sum += Double(filter[k]) * samples[k] }
                            dst[(b * outChannels + m) * plane + i * ow + j] = Float(sum)
                        }
                    }
                }
            }
        }
        return [y]
    }

    /// X's plane at the real position (y, x), each of the four neighbours outside the image reading 0.
    private func bilinear(_ image: UnsafeMutablePointer<Float>, _ height: Int, _ width: Int, _ y: Double, _ x: Double) -> Double {
        guard y.isFinite, x.isFinite, y > -1, x > -1, y < Double(height), x < Double(width) else { return 0 }
        let (top, left) = (Int(Foundation.floor(y)), Int(Foundation.floor(x)))
        let (fy, fx) = (y - Double(top), x - Double(left))
        var value = 0.0
        for (r, wy) in [(top, 1 - fy), (top + 1, fy)] where r >= 0 && r < height {
            for (c, wx) in [(left, 1 - fx), (left + 1, fx)] where c >= 0 && c < width {
                value += wy * wx * Double(image[r * width + c])
            }
        }
        return value
    }
}
