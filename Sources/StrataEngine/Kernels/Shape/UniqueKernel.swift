import StrataCore

/// Unique: the distinct elements of X (flattened), or with `axis` its distinct slices along that
/// axis. Outputs Y (the distinct values: ascending when `sorted` is 1, the default, otherwise in order
/// of first occurrence), indices (each one's first position in X), inverse_indices (each position's
/// index in Y) and counts, the last three int64. Slices compare element by element in row-major order.
struct UniqueKernel: Kernel {
    let node: Node
    let axis: Int?
    let sorted: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(UniqueAttributes.self)
        (axis, sorted) = (attributes.axis, attributes.sorted)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        var axisIndex = 0
        var (outer, slices, inner) = (1, x.count, 1)
        if let axis {
            guard (-x.rank..<x.rank).contains(axis) else {
                throw node.attributeError("axis", "\(axis) is outside X's rank \(x.rank)", kind: .invalidInput)
            }
            axisIndex = axis < 0 ? axis + x.rank : axis
            outer = x.shape[..<axisIndex].reduce(1, *)
            slices = x.shape[axisIndex]
            inner = x.shape[(axisIndex + 1)...].reduce(1, *)
        }
        let compare = elementComparator(x)
        // Element k of slice s, in row-major order of the other axes.
        let position = { (s: Int, k: Int) in (k / inner * slices + s) * inner + k % inner }
        let sliceSize = outer * inner
        let order = (0..<slices).sorted { a, b in
            for k in 0..<sliceSize {
                let c = compare(position(a, k), position(b, k))
                if c != 0 { return c < 0 }
            }
            return a < b
        }
        var groups: [[Int]] = []
        for s in order {
            if let last = groups.last?.first, (0..<sliceSize).allSatisfy({ compare(position(last, $0), position(s, $0)) == 0 }) {
                groups[groups.count - 1].append(s)
            } else {
                groups.append([s])
            }
        }
        if !sorted { groups.sort { $0[0] < $1[0] } }
        var yShape = axis == nil ? [groups.count] : x.shape
        if axis != nil { yShape[axisIndex] = groups.count }
        let y = try Tensor(dtype: x.dtype, shape: yShape)
        let size = x.dtype.byteSize
        var inverse = [Int64](repeating: 0, count: slices)
        for (g, members) in groups.enumerated() {
            for s in members { inverse[s] = Int64(g) }
            for k in 0..<sliceSize {
                let target = (k / inner * groups.count + g) * inner + k % inner
                (y.rawPointer + target * size).copyMemory(from: x.rawPointer + position(members[0], k) * size, byteCount: size)
            }
        }
        return [y, Tensor(groups.map { Int64($0[0]) }, shape: [groups.count]), Tensor(inverse, shape: [slices]),
                Tensor(groups.map { Int64($0.count) }, shape: [groups.count])]
    }

    /// Three-way comparison of two elements of `x` by value.
    private func elementComparator(_ x: Tensor) -> (Int, Int) -> Int {
        if x.dtype.isFloatingPoint {
            return { a, b in
                let (p, q) = (x.doubleValue(at: a), x.doubleValue(at: b))
                return p < q ? -1 : (q < p ? 1 : 0)
            }
        }
        if x.dtype == .uint64 {
            let values = x.pointer(as: UInt64.self)
            return { a, b in values[a] < values[b] ? -1 : (values[b] < values[a] ? 1 : 0) }
        }
        return { a, b in
            let (p, q) = (x.intValue(at: a), x.intValue(at: b))
            return p < q ? -1 : (q < p ? 1 : 0)
        }
    }
}
