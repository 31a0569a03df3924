import StrataCore

/// Float32 building blocks the backward rules share: zero tensors, elementwise maps over a
/// gradient and saved values, and the reduction that undoes broadcasting.
enum GradientMath {
    /// A float32 tensor of zeros.
    static func zeros(_ shape: [Int]) throws -> Tensor {
        try Tensor(dtype: .float32, shape: shape, zeroed: true)
    }

    /// `out[i] = f(g[i], a[i])` for same-sized float32 tensors, in `g`'s shape.
    static func map(_ g: Tensor, _ a: Tensor, context: ExecutionContext,
                    _ f: @escaping @Sendable (Float, Float) -> Float) throws -> Tensor {
        precondition(g.count == a.count, "gradient and saved value differ in size")
        let out = try Tensor(dtype: .float32, shape: g.shape)
        let (pg, pa, po) = (Pointers(g), Pointers(a), Pointers(out))
        context.parallelFor(g.count, minChunk: ElementwiseLoop.minChunk) { range in
            for i in range { po.p[i] = f(pg.p[i], pa.p[i]) }
        }
        return out
    }

    /// `out[i] = f(g[i], a[i], b[i])` for same-sized float32 tensors, in `g`'s shape.
    static func map(_ g: Tensor, _ a: Tensor, _ b: Tensor, context: ExecutionContext,
                    _ f: @escaping @Sendable (Float, Float, Float) -> Float) throws -> Tensor {
        precondition(g.count == a.count && g.count == b.count, "gradient and saved values differ in size")
        let out = try Tensor(dtype: .float32, shape: g.shape)
        let (pg, pa, pb, po) = (Pointers(g), Pointers(a), Pointers(b), Pointers(out))
        context.parallelFor(g.count, minChunk: ElementwiseLoop.minChunk) { range in
            for i in range { po.p[i] = f(pg.p[i], pa.p[i], pb.p[i]) }
        }
        return out
    }

    /// `a + b` for same-shaped float32 tensors (fan-out accumulation).
    static func add(_ a: Tensor, _ b: Tensor, context: ExecutionContext) throws -> Tensor {
        try map(a, b, context: context) { $0 + $1 }
    }

    /// `a ∘ b` with broadcasting (float32), through the forward kernels' loops.
    static func apply(_ operation: ArithmeticKernel.Operation, _ a: Tensor, _ b: Tensor,
                      context: ExecutionContext) throws -> Tensor {
        try ArithmeticKernel.apply(operation, a, b, context)
    }

    /// Sums `g` (the gradient of a broadcast result) down to `shape`, the shape of the input that
    /// was broadcast: the adjoint of NumPy broadcasting.
    static func sum(_ g: Tensor, toShape shape: [Int]) throws -> Tensor {
        if g.shape == shape { return g }
        if g.count == shape.elementCount { return g.reshaped(shape) }
        let out = try zeros(shape)
        let plan = try Broadcast([g.shape, shape])
        precondition(plan.shape == g.shape, "shape \(shape) does not broadcast to \(g.shape)")
        let pg = g.pointer(as: Float.self), po = out.pointer(as: Float.self)
        plan.forEachRun(in: 0..<plan.count) { o, starts, n, steps in
            let src = pg + o, dst = po + starts[1]
            if steps[1] == 1 {
                for j in 0..<n { dst[j] += src[j] }
            } else {
                var s: Float = 0
                for j in 0..<n { s += src[j] }
                dst[0] += s
            }
        }
        return out
    }

    /// `t` broadcast to `shape` (the adjoint of `sum(_:toShape:)`).
    static func expand(_ t: Tensor, to shape: [Int], context: ExecutionContext) throws -> Tensor {
        if t.shape == shape { return t }
        if t.count == shape.elementCount { return t.reshaped(shape) }
        return try apply(.add, t, zeros(shape), context: context)
    }

    /// The adjoint of a per-axis index-table copy: `maps[d][j]` is the input index along axis `d`
    /// that output index `j` read (-1: not from the input). Adds every element of `g` (shaped
    /// `maps.map(\.count)`) into a zero tensor of `shape` where it came from.
    static func scatter(_ g: Tensor, maps: [[Int]], into shape: [Int]) throws -> Tensor {
        let out = try zeros(shape)
        let rank = shape.count
        guard g.count > 0 else { return out }
        if rank == 0 {
            out.pointer(as: Float.self)[0] = g.pointer(as: Float.self)[0]
            return out
        }
        let strides = StridedCopy.contiguousStrides(shape)
        let pg = g.pointer(as: Float.self), po = out.pointer(as: Float.self)
        let last = maps[rank - 1]
        var index = [Int](repeating: 0, count: rank - 1)
        var k = 0
        while k < g.count {
            var base = 0, inside = true
            for d in 0..<(rank - 1) {
                let s = maps[d][index[d]]
                if s < 0 { inside = false; break }
                base += s * strides[d]
            }
            if inside {
                for j in 0..<last.count where last[j] >= 0 { po[base + last[j]] += pg[k + j] }
            }
            k += last.count
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                if index[d] < maps[d].count { break }
                index[d] = 0
                d -= 1
            }
        }
        return out
    }

    /// `g` reshaped to `shape` (the rule of every op that only relabels its input's elements).
    static func reshaped(_ g: Tensor, _ shape: [Int]) -> Tensor { g.reshaped(shape) }

    /// The error for a rule asked to differentiate a value that is not float32.
    static func requireFloat32(_ tensors: [Tensor?], _ node: Node) throws {
        for case let t? in tensors where t.dtype != .float32 {
            throw node.error("gradients are computed in float32; a value of dtype \(t.dtype.rawValue) lies on the gradient path",
                             kind: .unsupported)
        }
    }
}

/// A float32 tensor's elements handed to parallel loops; each writer owns its range.
struct Pointers: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
    init(_ t: Tensor) { p = t.pointer(as: Float.self) }
    init(_ p: UnsafeMutablePointer<Float>) { self.p = p }
}
