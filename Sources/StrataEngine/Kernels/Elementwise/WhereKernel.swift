import StrataCore

/// `Where(condition, x, y)`: `x` where `condition` is true, else `y`, with the three inputs
/// broadcast together. Works for every dtype by copying elements as raw bits.
struct WhereKernel: Kernel {
    init(_ ctx: KernelBuildContext) throws {
        if ctx.node.inputs.count != 3 { throw ctx.node.error("expected 3 inputs, found \(ctx.node.inputs.count)") }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let condition = try ElementwiseInputs.required(inputs, 0)
        let x = try ElementwiseInputs.required(inputs, 1)
        let y = try ElementwiseInputs.required(inputs, 2)
        if condition.dtype != .bool {
            throw StrataError(.invalidInput, "condition must be bool, found \(condition.dtype.rawValue)")
        }
        let dtype = try ElementwiseInputs.commonDType([x, y])
        let plan = try ElementwiseInputs.plan([condition, x, y])
        let out = try Tensor(dtype: dtype, shape: plan.shape)
        switch dtype.byteSize {
        case 1: select(UInt8.self, condition, x, y, out, plan, context)
        case 2: select(UInt16.self, condition, x, y, out, plan, context)
        case 4: select(UInt32.self, condition, x, y, out, plan, context)
        default: select(UInt64.self, condition, x, y, out, plan, context)
        }
        return [out]
    }

    private func select<T: FixedWidthInteger & Sendable>(
        _ bits: T.Type, _ condition: Tensor, _ x: Tensor, _ y: Tensor, _ out: Tensor, _ plan: Broadcast,
        _ context: ExecutionContext
    ) {
        context.parallelFor(plan.count, minChunk: ElementwiseLoop.minChunk) { range in
            let pc = UnsafePointer(condition.pointer(as: UInt8.self))
            let px = UnsafePointer(x.rawPointer.assumingMemoryBound(to: T.self))
            let py = UnsafePointer(y.rawPointer.assumingMemoryBound(to: T.self))
            let po = out.rawPointer.assumingMemoryBound(to: T.self)
            plan.forEachRun(in: range) { o, starts, n, steps in
                let c = pc + starts[0], a = px + starts[1], b = py + starts[2], z = po + o
                // Masking against a constant (scores vs. -inf) and plain selects get contiguous loops.
                switch (steps[0], steps[1], steps[2]) {
                case (1, 1, 1):
                    for j in 0..<n { z[j] = c[j] != 0 ? a[j] : b[j] }
                case (1, 1, 0):
                    let v = b[0]
                    for j in 0..<n { z[j] = c[j] != 0 ? a[j] : v }
                case (1, 0, 1):
                    let u = a[0]
                    for j in 0..<n { z[j] = c[j] != 0 ? u : b[j] }
                case let (sc, sa, sb):
                    for j in 0..<n { z[j] = c[j * sc] != 0 ? a[j * sa] : b[j * sb] }
                }
            }
        }
    }
}
