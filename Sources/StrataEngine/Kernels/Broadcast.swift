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
    /// Per input, its element stride along each merged dimension (0 where it is broadcast): input
    /// i's stride along dimension k at `i · dims.count + k`. Flat, as are the flags the merging
    /// compares: an Add of two tensors planned its runs with nine small arrays, as long as the Add
    /// of a 16-value row itself.
    let strides: [Int]

    /// Plans broadcasting of `shapes`. Throws `.invalidInput` when they cannot broadcast.
    public init(_ shapes: [[Int]]) throws {
        guard let out = Broadcasting.shape(shapes) else {
            throw StrataError(.invalidInput, "shapes \(Broadcasting.describe(shapes.map { $0.dims })) cannot be broadcast together")
        }
        shape = out
        count = out.elementCount
        let rank = out.count, inputs = shapes.count
        // Per kept output dimension, which inputs broadcast along it (`inputs` flags each).
        var keptDims: [Int] = []
        var keptFlags: [Bool] = []
        var flags = [Bool](repeating: true, count: inputs)
        for k in 0..<rank where out[k] != 1 {
            for i in 0..<inputs {
                let j = k - (rank - shapes[i].count)
                flags[i] = j < 0 || shapes[i][j] == 1
            }
            let last = keptDims.count - 1
            if last >= 0, (0..<inputs).allSatisfy({ keptFlags[last * inputs + $0] == flags[$0] }) {
                keptDims[last] *= out[k]
            } else {
                keptDims.append(out[k])
                keptFlags.append(contentsOf: flags)
            }
        }
        if keptDims.isEmpty {
            keptDims = [1]
            keptFlags = [Bool](repeating: true, count: inputs)
        }
        dims = keptDims
        let kept = keptDims.count
        var strides = [Int](repeating: 0, count: inputs * kept)
        for i in 0..<inputs {
            var step = 1
            for k in stride(from: kept - 1, through: 0, by: -1) where !keptFlags[k * inputs + i] {
                strides[i * kept + k] = step
                step *= keptDims[k]
            }
        }
        self.strides = strides
    }

    /// Whether no input is broadcast: every input is laid out exactly like the output.
    public var isElementwise: Bool { dims.count == 1 && strides.allSatisfy { $0 == 1 } }

    /// Calls `body(outputStart, inputStarts, length, inputSteps)` for consecutive runs covering
    /// output elements `range`. `inputStarts[i]` is input `i`'s element index for the run's first
    /// output element and `inputSteps[i]` is 0 or 1. Buffers are only valid during the call.
    public func forEachRun(
        in range: Range<Int>,
        _ body: (_ outputStart: Int, _ inputStarts: UnsafeBufferPointer<Int>, _ length: Int,
                 _ inputSteps: UnsafeBufferPointer<Int>) -> Void
    ) {
        guard !range.isEmpty else { return }
        let rank = dims.count, outer = rank - 1
        let inputs = strides.count / rank
        let inner = dims[outer]
        // Read through buffer pointers, with the strides flat: from nested arrays, each run's step to
        // the next row cost more than a 49-value run itself (EfficientNet-B0's per-channel Muls on
        // 7 × 7 maps, 1,152 runs each).
        dims.withUnsafeBufferPointer { flatDims in
            strides.withUnsafeBufferPointer { flat in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * inputs + outer) { scratch in
                    let base = scratch.baseAddress!
                    let rowStart = base, starts = base + inputs, steps = base + 2 * inputs, index = base + 3 * inputs
                    for i in 0..<inputs {
                        steps[i] = flat[i * rank + outer]
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
    }
}
