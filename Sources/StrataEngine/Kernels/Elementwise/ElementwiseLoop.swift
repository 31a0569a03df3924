import CStrataKernels
import StrataCore

/// A pure function of two elements, as a type so that loops specialise on it and inline it.
protocol BinaryFunction {
    associatedtype Input
    associatedtype Output
    static func apply(_ x: Input, _ y: Input) -> Output
    /// The C kernels' operation (`strata_binary_f32`) that computes this function's bits on
    /// float32 elements, or nil.
    static var float32Operation: strata_binary_op? { get }
}

extension BinaryFunction {
    static var float32Operation: strata_binary_op? { nil }
}

/// The parallel, broadcasting loops every elementwise kernel runs.
enum ElementwiseLoop {
    /// Output elements per parallel chunk: below this, threads cost more than they save.
    /// (EfficientNet-B0's per-channel Muls on 7 × 7 maps, 56,448 values, ran on one thread with
    /// chunks of 32,768: its sixteen Muls took 0.29 ms at two threads, 0.26 in chunks of 16,384.)
    static let minChunk = 1 << 14

    /// `out[i] = F(a[i], b[i])` over the broadcast `plan` of `a` and `b`. Runs where an input
    /// repeats one element get their own loop so that every inner loop is contiguous.
    static func binary<F: BinaryFunction>(
        _ function: F.Type, _ a: Tensor, _ b: Tensor, into out: Tensor, plan: Broadcast, context: ExecutionContext
    ) {
        if let operation = F.float32Operation, F.Input.self == Float.self, F.Output.self == Float.self {
            // Swift compiles for baseline x86-64 (four lanes, a scalar loop after the last vector),
            // and a run costs a call anyway: EfficientNet-B0's per-channel Muls on 7 × 7 maps are
            // runs of 49 values, which the C kernels take eight at a time.
            let op = Int32(operation.rawValue)
            context.parallelFor(plan.count, minChunk: minChunk) { range in
                let pa = UnsafePointer(a.pointer(as: Float.self)), pb = UnsafePointer(b.pointer(as: Float.self))
                let po = out.pointer(as: Float.self)
                plan.forEachRun(in: range) { o, starts, n, steps in
                    strata_binary_f32(op, pa + starts[0], Int32(steps[0]), pb + starts[1], Int32(steps[1]), po + o, n)
                }
            }
            return
        }
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
