import StrataCore

/// A pure function of two elements, as a type so that loops specialise on it and inline it.
protocol BinaryFunction {
    associatedtype Input
    associatedtype Output
    static func apply(_ x: Input, _ y: Input) -> Output
}

/// The parallel, broadcasting loops every elementwise kernel runs.
enum ElementwiseLoop {
    /// Output elements per parallel chunk: below this, threads cost more than they save.
    static let minChunk = 1 << 15

    /// `out[i] = F(a[i], b[i])` over the broadcast `plan` of `a` and `b`. Runs where an input
    /// repeats one element get their own loop so that every inner loop is contiguous.
    static func binary<F: BinaryFunction>(
        _ function: F.Type, _ a: Tensor, _ b: Tensor, into out: Tensor, plan: Broadcast, context: ExecutionContext
    ) {
        context.parallelFor(plan.count, minChunk: minChunk) { range in
            let pa = UnsafePointer(a.pointer(as: F.Input.self))
            let pb = UnsafePointer(b.pointer(as: F.Input.self))
            let po = out.pointer(as: F.Output.self)
            plan.forEachRun(in: range) { o, starts, n, steps in
                let x = pa + starts[0], y = pb + starts[1], z = po + o
                switch (steps[0], steps[1]) {
                case (1, 1):
                    for j in 0..<n { z[j] = F.apply(x[j], y[j]) }
                case (1, _):
                    let v = y[0]
                    for j in 0..<n { z[j] = F.apply(x[j], v) }
                case (_, 1):
                    let u = x[0]
                    for j in 0..<n { z[j] = F.apply(u, y[j]) }
                default:
                    let r = F.apply(x[0], y[0])
                    for j in 0..<n { z[j] = r }
                }
            }
        }
    }

    /// Applies `body(input, output, count)` to contiguous chunks of `x` in parallel.
    static func unary<T, U>(
        _ x: Tensor, into out: Tensor, context: ExecutionContext,
        _ body: @escaping @Sendable (UnsafePointer<T>, UnsafeMutablePointer<U>, Int) -> Void
    ) {
        context.parallelFor(x.count, minChunk: minChunk) { range in
            let px = UnsafePointer(x.pointer(as: T.self)) + range.lowerBound
            let po = out.pointer(as: U.self) + range.lowerBound
            body(px, po, range.count)
        }
    }
}
