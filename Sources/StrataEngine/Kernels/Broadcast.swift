import StrataCore

/// NumPy multidirectional broadcasting of several input tensors to one output, walked in
/// contiguous runs so that kernels keep simple inner loops.
///
/// Shapes are aligned at their last dimension. Adjacent dimensions that every input treats alike
/// (all present or all broadcast) are merged, so same-shape inputs become one run, a scalar or a
/// trailing bias vector becomes a run per row, and a per-channel bias on NCHW becomes runs of
/// H·W against one bias element. Inside a run each input either advances one element per output
/// element (step 1) or repeats one element (step 0).
public struct Broadcast: Sendable {
    /// The output shape.
    public let shape: [Int]
    /// Output element count.
    public let count: Int
    /// Merged output dimensions (at least one).
    let dims: [Int]
    /// Per input, its element stride along each merged dimension (0 where it is broadcast).
    let strides: [[Int]]

    /// Plans broadcasting of `shapes`. Throws `.invalidInput` when they cannot broadcast.
    public init(_ shapes: [[Int]]) throws {
        guard let out = Broadcasting.shape(shapes) else {
            throw StrataError(.invalidInput, "shapes \(Broadcasting.describe(shapes.map(\.dims))) cannot be broadcast together")
        }
        shape = out
        count = out.elementCount
        let rank = out.count
        // Per kept output dimension, which inputs broadcast along it.
        var keptDims: [Int] = []
        var keptFlags: [[Bool]] = []
        for k in 0..<rank where out[k] != 1 {
            let flags = shapes.map { s -> Bool in
                let j = k - (rank - s.count)
                return j < 0 || s[j] == 1
            }
            if let last = keptFlags.last, last == flags {
                keptDims[keptDims.count - 1] *= out[k]
            } else {
                keptDims.append(out[k])
                keptFlags.append(flags)
            }
        }
        if keptDims.isEmpty {
            keptDims = [1]
            keptFlags = [[Bool](repeating: true, count: shapes.count)]
        }
        dims = keptDims
        strides = (0..<shapes.count).map { i in
            var result = [Int](repeating: 0, count: keptDims.count)
            var step = 1
            for k in stride(from: keptDims.count - 1, through: 0, by: -1) where !keptFlags[k][i] {
                result[k] = step
                step *= keptDims[k]
            }
            return result
        }
    }

    /// Whether no input is broadcast: every input is laid out exactly like the output.
    public var isElementwise: Bool { dims.count == 1 && strides.allSatisfy { $0[0] == 1 } }

    /// Calls `body(outputStart, inputStarts, length, inputSteps)` for consecutive runs covering
    /// output elements `range`. `inputStarts[i]` is input `i`'s element index for the run's first
    /// output element and `inputSteps[i]` is 0 or 1. Buffers are only valid during the call.
    public func forEachRun(
        in range: Range<Int>,
        _ body: (_ outputStart: Int, _ inputStarts: UnsafeBufferPointer<Int>, _ length: Int,
                 _ inputSteps: UnsafeBufferPointer<Int>) -> Void
    ) {
        guard !range.isEmpty else { return }
        let inputs = strides.count
        let rank = dims.count, outer = rank - 1
        let inner = dims[outer]
        // The dimensions and strides copied into one flat buffer: read from the nested arrays, each
        // run's step to the next row cost more than a 49-value run itself (EfficientNet-B0's
        // per-channel Muls on 7 × 7 maps, 1,152 runs each).
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * inputs + outer + rank * (inputs + 1)) { scratch in
            let base = scratch.baseAddress!
            let rowStart = base, starts = base + inputs, steps = base + 2 * inputs, index = base + 3 * inputs
            let flatDims = index + outer, flat = flatDims + rank
            for k in 0..<rank { flatDims[k] = dims[k] }
            for i in 0..<inputs {
                let s = strides[i]
                for k in 0..<rank { flat[i * rank + k] = s[k] }
                steps[i] = s[outer]
                rowStart[i] = 0
            }
            var row = range.lowerBound / inner
            var column = range.lowerBound % inner
            for k in stride(from: outer - 1, through: 0, by: -1) {
                index[k] = row % flatDims[k]
                row /= flatDims[k]
                for i in 0..<inputs { rowStart[i] += index[k] * flat[i * rank + k] }
            }
            let startsBuffer = UnsafeBufferPointer(start: starts, count: inputs)
            let stepsBuffer = UnsafeBufferPointer(start: steps, count: inputs)
            var position = range.lowerBound
            while position < range.upperBound {
                let length = Swift.min(inner - column, range.upperBound - position)
                for i in 0..<inputs { starts[i] = rowStart[i] + column * steps[i] }
                body(position, startsBuffer, length, stepsBuffer)
                position += length
                column = 0
                var k = outer - 1
                while k >= 0 {
                    index[k] += 1
                    for i in 0..<inputs { rowStart[i] += flat[i * rank + k] }
                    if index[k] < flatDims[k] { break }
                    for i in 0..<inputs { rowStart[i] -= flat[i * rank + k] * flatDims[k] }
                    index[k] = 0
                    k -= 1
                }
            }
        }
    }
}
