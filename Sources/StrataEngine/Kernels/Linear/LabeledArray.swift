import StrataCore

/// A dense C-ordered array whose axes carry Einsum labels, with the few rearrangements Einsum is
/// built from: diagonals, sums over axes, permutation with broadcasting, and contraction.
struct LabeledArray<T: GemmScalar> {
    var values: [T]
    var shape: [Int]
    var labels: [Int]

    init(values: [T], shape: [Int], labels: [Int]) {
        precondition(shape.count == labels.count && values.count == shape.elementCount)
        self.values = values
        self.shape = shape
        self.labels = labels
    }

    init(tensor: Tensor, labels: [Int]) {
        self.init(values: Array(tensor.buffer(as: T.self)), shape: tensor.shape, labels: labels)
    }

    private var strides: [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] }
        return s
    }

    /// Copies the elements seen through (`shape`, `strides`) into a new C-ordered buffer.
    private func gather(shape: [Int], strides: [Int]) -> [T] {
        let count = shape.elementCount
        guard count > 0 else { return [] }
        guard !shape.isEmpty else { return [values[0]] }
        var out = [T](repeating: 0, count: count)
        let last = shape.count - 1
        let (inner, innerStride) = (shape[last], strides[last])
        var index = [Int](repeating: 0, count: shape.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var o = 0
                while o < count {
                    var base = 0
                    for axis in 0..<last { base += index[axis] * strides[axis] }
                    for j in 0..<inner { dst[o + j] = src[base + j * innerStride] }
                    o += inner
                    var axis = last - 1
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < shape[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return out
    }

    /// Repeated labels collapsed onto their diagonal (`ii->i`), each label kept once in order of first use.
    func diagonal() -> LabeledArray {
        var unique: [Int] = []
        for l in labels where !unique.contains(l) { unique.append(l) }
        guard unique.count < labels.count else { return self }
        let own = strides
        var newShape: [Int] = [], newStrides: [Int] = []
        for l in unique {
            let axes = labels.indices.filter { labels[$0] == l }
            newShape.append(axes.map { shape[$0] }.min()!)
            newStrides.append(axes.reduce(0) { $0 + own[$1] })
        }
        return LabeledArray(values: gather(shape: newShape, strides: newStrides), shape: newShape, labels: unique)
    }

    /// The sum over every axis whose label is not in `keep`.
    func summing(keeping keep: Set<Int>) -> LabeledArray {
        let kept = labels.indices.filter { keep.contains(labels[$0]) }
        guard kept.count < labels.count else { return self }
        let summed = labels.indices.filter { !keep.contains(labels[$0]) }
        let own = strides
        let order = kept + summed
        let moved = gather(shape: order.map { shape[$0] }, strides: order.map { own[$0] })
        let keptShape = kept.map { shape[$0] }
        let block = summed.map { shape[$0] }.elementCount
        var out = [T](repeating: 0, count: keptShape.elementCount)
        for i in out.indices {
            var s: T = 0
            for j in 0..<block { s = T.accumulate(s, moved[i * block + j]) }
            out[i] = s
        }
        return LabeledArray(values: out, shape: keptShape, labels: kept.map { labels[$0] })
    }

    /// The elements with axes in `order` (each a label of this array), size-1 axes broadcast to `sizes`.
    /// Broadcasting can make the array larger than any operand; the size is checked against the memory
    /// limit first (an error at `node`).
    func arranged(_ order: [Int], sizes: [Int: Int], node: Node) throws -> LabeledArray {
        let own = strides
        var newShape: [Int] = [], newStrides: [Int] = []
        for l in order {
            let axis = labels.firstIndex(of: l)!
            let size = sizes[l] ?? shape[axis]
            newShape.append(size)
            newStrides.append(shape[axis] == size ? own[axis] : 0)
        }
        try OutputBudget.check(newShape, T.dtype, node: node)
        if newShape == shape && order == labels { return self }
        return LabeledArray(values: gather(shape: newShape, strides: newStrides), shape: newShape, labels: order)
    }

    /// The product of `a` and `b` summed over their shared labels not in `keep`; shared labels in
    /// `keep` are batch axes. Labels of one operand only are kept as they are. The result (an outer
    /// product can be far larger than both) is checked against the memory limit first.
    static func contract(_ a: LabeledArray, _ b: LabeledArray, keeping keep: Set<Int>, sizes: [Int: Int], node: Node) throws -> LabeledArray {
        let shared = a.labels.filter { b.labels.contains($0) }
        let batch = shared.filter { keep.contains($0) }
        let inner = shared.filter { !keep.contains($0) }
        let aFree = a.labels.filter { !b.labels.contains($0) }
        let bFree = b.labels.filter { !a.labels.contains($0) }
        try OutputBudget.check((batch + aFree + bFree).map { sizes[$0]! }, T.dtype, node: node)
        let left = try a.arranged(batch + aFree + inner, sizes: sizes, node: node)
        let right = try b.arranged(batch + inner + bFree, sizes: sizes, node: node)
        func size(_ ls: [Int]) -> Int { ls.map { sizes[$0]! }.elementCount }
        let (count, m, k, n) = (size(batch), size(aFree), size(inner), size(bFree))
        var out = [T](repeating: 0, count: count * m * n)
        if k > 0 && m > 0 && n > 0 {
            left.values.withUnsafeBufferPointer { pa in
                right.values.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { pc in
                        for i in 0..<count {
                            T.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                   a: pa.baseAddress! + i * m * k, lda: k, b: pb.baseAddress! + i * k * n, ldb: n,
                                   beta: 0, c: pc.baseAddress! + i * m * n, ldc: n)
                        }
                    }
                }
            }
        }
        let labels = batch + aFree + bFree
        return LabeledArray(values: out, shape: labels.map { sizes[$0]! }, labels: labels)
    }

    func tensor(dtype: DType) throws -> Tensor {
        let t = try Tensor(dtype: dtype, shape: shape)
        let p = t.pointer(as: T.self)
        for (i, v) in values.enumerated() { p[i] = v }
        return t
    }
}
