import StrataCore

/// The loops behind the `Reduce*` kernels: arranging the input so that the reduced elements of
/// one output form the middle of an `[outer, axis, inner]` split, and reducing over that axis.
enum ReductionLoops {
    /// `x` (possibly a permuted copy) and its split such that output `(o, i)` reduces elements
    /// `(o, 0..<axis, i)`, outputs in row-major order of the kept axes.
    static func arrange<T: ReduceScalar>(_ x: Tensor, as type: T.Type, axes: ReductionAxes) throws -> (Tensor, AxisSplit) {
        if axes.isNoop { return (x, AxisSplit(outer: x.count, axis: 1, inner: 1)) }
        // Merge neighbouring axes of the same kind; axes of size 1 change nothing and are dropped.
        var groups: [(size: Int, reduced: Bool)] = []
        for (i, size) in x.shape.enumerated() where size != 1 {
            let reduced = axes.axes.contains(i)
            if let last = groups.last, last.reduced == reduced {
                groups[groups.count - 1].size *= size
            } else {
                groups.append((size, reduced))
            }
        }
        let reducedGroups = groups.filter(\.reduced).count
        if reducedGroups == 0 { return (x, AxisSplit(outer: x.count, axis: 1, inner: 1)) }
        if reducedGroups == 1 {
            let r = groups.firstIndex(where: \.reduced)!
            let before = groups[..<r].reduce(1) { $0 * $1.size }
            let after = groups[(r + 1)...].reduce(1) { $0 * $1.size }
            return (x, AxisSplit(outer: before, axis: groups[r].size, inner: after))
        }
        let order = groups.indices.filter { !groups[$0].reduced } + groups.indices.filter { groups[$0].reduced }
        let kept = groups.filter { !$0.reduced }.reduce(1) { $0 * $1.size }
        let permuted = try x.reshaped(groups.map(\.size)).permuted(order)
        return (permuted, AxisSplit(outer: kept, axis: x.count / Swift.max(kept, 1), inner: 1))
    }

    /// `y[o * inner + i] = reduce over r of x[(o * axis + r) * inner + i]`.
    static func reduce<R: Reducer>(_ reducer: R.Type, _ x: Tensor, split: AxisSplit, into y: Tensor, context: ExecutionContext) throws {
        let (outer, n, inner) = (split.outer, split.axis, split.inner)
        if inner == 1 && outer < context.threads && n >= 1 << 16 {
            // Few long rows: each thread reduces a slice of every row, then the slices combine.
            let parts = context.threads
            let partial = try Tensor(dtype: y.dtype, shape: [outer * parts])
            let slice = (n + parts - 1) / parts
            context.parallelFor(outer * parts) { range in
                let xp = x.pointer(as: R.T.self), pp = partial.pointer(as: R.T.self)
                for task in range {
                    let o = task / parts, start = (task % parts) * slice
                    var a = R.identity
                    var r = start
                    while r < Swift.min(n, start + slice) {
                        a = R.combine(a, R.pre(xp[o * n + r]))
                        r += 1
                    }
                    pp[task] = a
                }
            }
            let pp = partial.pointer(as: R.T.self), yp = y.pointer(as: R.T.self)
            for o in 0..<outer {
                var a = R.identity
                for p in 0..<parts { a = R.combine(a, pp[o * parts + p]) }
                yp[o] = a
            }
            return
        }
        if inner == 1 {
            context.parallelFor(outer, minChunk: Swift.max(1, 32768 / Swift.max(n, 1))) { range in
                let xp = x.pointer(as: R.T.self), yp = y.pointer(as: R.T.self)
                for o in range {
                    let row = xp + o * n
                    // Four running results let the loop overlap its dependent operations.
                    var a0 = R.identity, a1 = R.identity, a2 = R.identity, a3 = R.identity
                    var r = 0
                    while r + 4 <= n {
                        a0 = R.combine(a0, R.pre(row[r]))
                        a1 = R.combine(a1, R.pre(row[r + 1]))
                        a2 = R.combine(a2, R.pre(row[r + 2]))
                        a3 = R.combine(a3, R.pre(row[r + 3]))
                        r += 4
                    }
                    while r < n {
                        a0 = R.combine(a0, R.pre(row[r]))
                        r += 1
                    }
                    yp[o] = R.combine(R.combine(a0, a1), R.combine(a2, a3))
                }
            }
            return
        }
        let chunk = 1024
        let chunks = (inner + chunk - 1) / chunk
        let work = Swift.max(1, n * Swift.min(inner, chunk))
        context.parallelFor(outer * chunks, minChunk: Swift.max(1, 32768 / work)) { range in
            let xp = x.pointer(as: R.T.self), yp = y.pointer(as: R.T.self)
            for task in range {
                let o = task / chunks
                let i0 = (task % chunks) * chunk, i1 = Swift.min(inner, i0 + chunk)
                let out = yp + o * inner
                for i in i0..<i1 { out[i] = R.identity }
                for r in 0..<n {
                    let row = xp + (o * n + r) * inner
                    for i in i0..<i1 { out[i] = R.combine(out[i], R.pre(row[i])) }
                }
            }
        }
    }

    /// Log-sum-exp over the split's axis, shifted by the largest finite element for stability.
    static func logSumExp<T: ReduceFloat>(_ type: T.Type, _ x: Tensor, split: AxisSplit, into y: Tensor, context: ExecutionContext) throws {
        let (outer, n, inner) = (split.outer, split.axis, split.inner)
        let shift = try Tensor(dtype: y.dtype, shape: y.shape)
        try reduce(FiniteMaxReducer<T>.self, x, split: split, into: shift, context: context)
        let sp = shift.pointer(as: T.self)
        for k in 0..<shift.count where sp[k] == -.infinity { sp[k] = 0 }
        context.parallelFor(outer, minChunk: Swift.max(1, 8192 / Swift.max(1, n * inner))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self), sp = shift.pointer(as: T.self)
            for o in range {
                let out = yp + o * inner, m = sp + o * inner
                for i in 0..<inner { out[i] = 0 }
                for r in 0..<n {
                    let row = xp + (o * n + r) * inner
                    for i in 0..<inner { out[i] += (row[i] - m[i]).exponential }
                }
                for i in 0..<inner { out[i] = out[i].logarithm + m[i] }
            }
        }
    }
}
