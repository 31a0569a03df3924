import StrataCore

/// A pooling window placed over one input, seen as 3-D (1-D and 2-D pools get leading axes of
/// size 1), with the taps of every output position along each axis precomputed.
struct PoolWindow: Sendable {
    /// One output position along one axis: the input index of tap 0, the taps `lo..<hi` that land
    /// inside the input, and how many taps land inside the input or its explicit padding.
    struct Span: Sendable {
        let start: Int
        let lo: Int
        let hi: Int
        let padded: Int
    }

    let input: [Int]
    let output: [Int]
    let dilations: [Int]
    let spans: [[Span]]

    var inputSize: Int { input.elementCount }
    var outputSize: Int { output.elementCount }

    init(window: SlidingWindow, placement: WindowPlacement, input spatial: [Int]) {
        let lead = 3 - spatial.count
        func pad(_ v: [Int], _ fill: Int) -> [Int] { Array(repeating: fill, count: lead) + v }
        input = pad(spatial, 1)
        output = pad(placement.output, 1)
        dilations = pad(window.dilations, 1)
        let kernel = pad(window.kernel, 1), strides = pad(window.strides, 1)
        let begin = pad(placement.padBegin, 0), end = pad(placement.padEnd, 0)
        var spans: [[Span]] = []
        for axis in 0..<3 {
            let (k, d, size) = (kernel[axis], dilations[axis], input[axis])
            spans.append((0..<output[axis]).map { o in
                let start = o * strides[axis] - begin[axis]
                let lo = start >= 0 ? 0 : (-start + d - 1) / d
                let hi = size - 1 - start < 0 ? 0 : Swift.min(k, (size - 1 - start) / d + 1)
                let reach = size + end[axis] - 1 - start
                let padded = reach < 0 ? 0 : Swift.min(k, reach / d + 1)
                return Span(start: start, lo: Swift.min(lo, hi), hi: hi, padded: padded)
            })
        }
        self.spans = spans
    }
}
