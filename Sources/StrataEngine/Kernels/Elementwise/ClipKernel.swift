import StrataCore

/// `Clip`: `min(max(x, low), high)`. Bounds come from the `min`/`max` attributes before opset 11
/// (defaults ∓FLT_MAX, so infinities become finite as in onnxruntime) and from optional scalar
/// inputs 1 and 2 from opset 11, where a missing bound does not clip. NaN
/// stays NaN; when `low > high` every element becomes `high`, as in NumPy.
struct ClipKernel: Kernel {
    let attributeLow: Float?
    let attributeHigh: Float?
    let usesInputs: Bool

    init(_ ctx: KernelBuildContext) throws {
        let bounds = try ctx.node.typed(ClipAttributes.self).bounds
        usesInputs = bounds == nil
        attributeLow = bounds?.low
        attributeHigh = bounds?.high
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try ElementwiseInputs.required(inputs, 0)
        var low: Tensor? = try attributeLow.map { try Tensor(elementwiseScalar: Double($0), as: x.dtype) }
        var high: Tensor? = try attributeHigh.map { try Tensor(elementwiseScalar: Double($0), as: x.dtype) }
        if usesInputs {
            low = try bound(inputs, 1, "min", x.dtype)
            high = try bound(inputs, 2, "max", x.dtype)
        }
        if x.dtype == .bool { throw ElementwiseInputs.unsupported(x.dtype, "Clip") }
        let half = ElementwiseInputs.isHalf(x.dtype)
        let wide = half ? try x.converted(to: .float32, context: context) : x
        let out = try Tensor(dtype: wide.dtype, shape: x.shape)
        try Visitor(x: wide, out: out, low: low?.converted(to: wide.dtype), high: high?.converted(to: wide.dtype),
                    context: context).dispatch(wide.dtype)
        return [half ? try out.converted(to: x.dtype, context: context) : out]
    }

    private func bound(_ inputs: [Tensor?], _ i: Int, _ name: String, _ dtype: DType) throws -> Tensor? {
        guard i < inputs.count, let t = inputs[i] else { return nil }
        if t.count != 1 { throw StrataError(.invalidInput, "\(name) must be a scalar, found shape \(t.shape.dims.shapeDescription)") }
        if t.dtype != dtype {
            throw StrataError(.invalidInput, "\(name) has dtype \(t.dtype.rawValue), the input \(dtype.rawValue)")
        }
        return t
    }

    private struct Visitor: ArithmeticVisitor {
        let x: Tensor, out: Tensor
        let low: Tensor?, high: Tensor?
        let context: ExecutionContext

        func visit<T: ArithmeticElement>(_ type: T.Type) throws {
            if T.self == Float.self, runFloat() { return }
            let lo = low?.pointer(as: T.self)[0]
            let hi = high?.pointer(as: T.self)[0]
            ElementwiseLoop.unary(x, into: out, context: context) { (p: UnsafePointer<T>, q: UnsafeMutablePointer<T>, n) in
                switch (lo, hi) {
                case let (lo?, hi?): for i in 0..<n { q[i] = T.minimum(T.maximum(p[i], lo), hi) }
                case let (lo?, nil): for i in 0..<n { q[i] = T.maximum(p[i], lo) }
                case let (nil, hi?): for i in 0..<n { q[i] = T.minimum(p[i], hi) }
                case (nil, nil): q.update(from: p, count: n)
                }
            }
        }

        /// float32 with bounds that are not NaN, in a loop the compiler vectorises: the same values as
        /// `minimum(maximum(x, lo), hi)` (a value equal to a bound is kept, and NaN stays NaN, with its
        /// own payload, as onnxruntime leaves it). False for NaN bounds.
        private func runFloat() -> Bool {
            let lo = low?.pointer(as: Float.self)[0] ?? -.infinity
            let hi = high?.pointer(as: Float.self)[0] ?? .infinity
            guard !lo.isNaN, !hi.isNaN else { return false }
            ElementwiseLoop.unary(x, into: out, context: context) { (p: UnsafePointer<Float>, q: UnsafeMutablePointer<Float>, n) in
                for i in 0 ..< n {
                    let v = p[i], a = v < lo ? lo : v
                    q[i] = a > hi ? hi : a
                }
            }
            return true
        }
    }
}
