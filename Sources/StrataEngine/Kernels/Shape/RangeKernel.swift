import StrataCore

/// Range: `start, start + delta, …` up to `limit` (exclusive), in the inputs' dtype. Integer
/// dtypes are computed exactly; float16/bfloat16 are computed in `stash_type` (float32 by default, or
/// float64) and rounded.
struct RangeKernel: Kernel {
    let node: Node
    let stashType: DType

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        stashType = try node.typed(RangeAttributes.self).stashType
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let start = try args.tensor(0), limit = try args.tensor(1), delta = try args.tensor(2)
        guard limit.dtype == start.dtype, delta.dtype == start.dtype else {
            throw node.error("start, limit and delta must have one dtype", kind: .invalidInput)
        }
        let n = try ShapeTypeRules.rangeCount(start: start, limit: limit, delta: delta, node: node)
        try OutputBudget.check([n], start.dtype, node: node)
        let out = try Tensor(dtype: start.dtype, shape: [n])
        let p = out.rawPointer
        if start.dtype.isInteger {
            let s = start.intValue(at: 0), d = delta.intValue(at: 0)
            switch start.dtype {
            case .int8: for i in 0..<n { p.storeBytes(of: Int8(truncatingIfNeeded: s + i * d), toByteOffset: i, as: Int8.self) }
            case .int16: for i in 0..<n { p.storeBytes(of: Int16(truncatingIfNeeded: s + i * d), toByteOffset: 2 * i, as: Int16.self) }
            case .int32: for i in 0..<n { p.storeBytes(of: Int32(truncatingIfNeeded: s + i * d), toByteOffset: 4 * i, as: Int32.self) }
            case .int64: for i in 0..<n { p.storeBytes(of: Int64(s + i * d), toByteOffset: 8 * i, as: Int64.self) }
            default: throw node.error("Range does not support \(start.dtype.rawValue)", kind: .unsupported)
            }
            return [out]
        }
        let s = start.doubleValue(at: 0), d = delta.doubleValue(at: 0)
        switch start.dtype {
        case .float32:
            let fs = Float(s), fd = Float(d)
            for i in 0..<n { p.storeBytes(of: fs + Float(i) * fd, toByteOffset: 4 * i, as: Float.self) }
        case .float64: for i in 0..<n { p.storeBytes(of: s + Double(i) * d, toByteOffset: 8 * i, as: Double.self) }
        case .float16 where stashType == .float64:
            for i in 0..<n { p.storeBytes(of: Float16(s + Double(i) * d), toByteOffset: 2 * i, as: Float16.self) }
        case .float16:
            let fs = Float(s), fd = Float(d)
            for i in 0..<n { p.storeBytes(of: Float16(fs + Float(i) * fd), toByteOffset: 2 * i, as: Float16.self) }
        case .bfloat16 where stashType == .float64:
            // Rounded to bfloat16 through float32, which can round a value just off a bfloat16 tie onto it.
            for i in 0..<n {
                p.storeBytes(of: ScalarElement.bfloat16Bits(Float(s + Double(i) * d)), toByteOffset: 2 * i, as: UInt16.self)
            }
        case .bfloat16:
            let fs = Float(s), fd = Float(d)
            for i in 0..<n {
                p.storeBytes(of: ScalarElement.bfloat16Bits(fs + Float(i) * fd), toByteOffset: 2 * i, as: UInt16.self)
            }
        default: throw node.error("Range does not support \(start.dtype.rawValue)", kind: .unsupported)
        }
        return [out]
    }
}
