/// ConvTranspose's geometry: the sliding window of the matching Conv, plus `output_padding` and
/// `output_shape`, and the ONNX rules for the output size and the padding cropped from the full result.
public struct TransposedWindow: Sendable, Hashable {
    public let window: SlidingWindow
    public let outputPadding: [Int]
    /// The requested spatial output sizes (`output_shape`, its last `rank` values), if given.
    public let outputShape: [Int]?

    public var rank: Int { window.rank }

    /// Fits the `attributes` of the ConvTranspose `node` to `rank` spatial axes and the weight's `kernel`.
    public init(_ attributes: ConvTransposeAttributes, node: Node, rank: Int, kernel: [Int]?) throws {
        window = try SlidingWindow(attributes.window, node: node, rank: rank, kernel: kernel)
        let padding = attributes.outputPadding ?? Array(repeating: 0, count: rank)
        guard padding.count == rank, padding.allSatisfy({ $0 >= 0 }) else {
            throw node.attributeError("output_padding", "expected \(rank) non-negative values, found \(padding)")
        }
        try SlidingWindow.checkSize(node, "output_padding", padding)
        // A padding as large as both the stride and the dilation would add positions no input reaches
        // (PyTorch and onnxruntime refuse it too).
        for i in 0 ..< rank where padding[i] >= window.strides[i] && padding[i] >= window.dilations[i] {
            throw node.attributeError("output_padding", "\(padding) must be smaller than the stride \(window.strides) or the dilation \(window.dilations) on every axis")
        }
        outputPadding = padding
        if let shape = attributes.outputShape {
            // Some exporters write the full [N, C, spatial…] shape; only the spatial part matters.
            guard shape.count >= rank, shape.suffix(rank).allSatisfy({ $0 >= 1 }) else {
                throw node.attributeError("output_shape", "expected \(rank) positive spatial sizes, found \(shape)")
            }
            let spatial = Array(shape.suffix(rank))
            try SlidingWindow.checkSize(node, "output_shape", spatial)
            outputShape = spatial
        } else {
            outputShape = nil
        }
    }

    /// The size of the uncropped result along `axis`: `s·(in−1) + output_padding + span`.
    public func fullSize(_ axis: Int, input: Int) -> Int {
        window.strides[axis] * (input - 1) + outputPadding[axis] + window.span(axis)
    }

    /// Output spatial sizes and the begin padding (the offset cropped from the start of the full
    /// result) for `input` spatial sizes.
    public func place(over input: [Int], node: Node) throws -> (output: [Int], padBegin: [Int]) {
        precondition(input.count == rank)
        var output: [Int] = [], begin: [Int] = []
        for i in 0..<rank {
            try window.checkInputSize(input[i], node: node)
            let (o, b) = placeAxis(i, input[i])
            guard o >= 1 else {
                throw node.error("pads \(window.pads) leave no output for input \(input)", kind: .invalidInput)
            }
            output.append(o)
            begin.append(b)
        }
        return (output, begin)
    }

    private func placeAxis(_ i: Int, _ size: Int) -> (output: Int, padBegin: Int) {
        let full = fullSize(i, input: size)
        let target: Int
        if let outputShape {
            target = outputShape[i]
        } else if window.autoPad == .sameUpper || window.autoPad == .sameLower {
            target = size * window.strides[i]
        } else {
            return (full - window.pads[i] - window.pads[rank + i], window.pads[i])
        }
        let total = full - target
        // Floor division, as the ONNX reference computes it (total may be negative).
        let half = total >= 0 ? total / 2 : -((-total + 1) / 2)
        return (target, window.autoPad == .sameUpper ? half : total - half)
    }

    /// The output size along `axis` as a dimension; symbolic inputs give a symbolic size.
    public func outputDim(_ axis: Int, _ size: Dim, node: Node) throws -> Dim {
        if let v = size.value {
            try window.checkInputSize(v, node: node)
            let o = placeAxis(axis, v).output
            guard o >= 1 else { throw node.error("pads \(window.pads) leave no output for input size \(v)") }
            return .known(o)
        }
        if let outputShape { return .known(outputShape[axis]) }
        guard case .symbol(let name) = size else { return size }
        let s = window.strides[axis]
        if window.autoPad == .sameUpper || window.autoPad == .sameLower {
            return s == 1 ? size : .symbol("\(name)*\(s)")
        }
        let extra = outputPadding[axis] + window.span(axis) - s - window.pads[axis] - window.pads[rank + axis]
        let scaled = s == 1 ? name : "\(name)*\(s)"
        return extra == 0 ? .symbol(scaled) : .symbol(extra > 0 ? "\(scaled)+\(extra)" : "\(scaled)-\(-extra)")
    }
}
