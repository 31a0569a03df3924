import StrataCore

/// BitwiseNot, BitwiseAnd, BitwiseOr, BitwiseXor (any integer dtype, numpy broadcasting) and
/// BitShift (`direction` LEFT or RIGHT; a shift below 0 or at least the bit width gives 0, or -1
/// for a right shift of a negative signed value; right shifts of signed values are arithmetic).
struct BitwiseKernel: Kernel {
    enum Operation: Sendable { case not, and, or, xor, shiftLeft, shiftRight }

    let node: Node
    let operation: Operation

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        switch node.opType {
        case "BitwiseNot": operation = .not
        case "BitwiseAnd": operation = .and
        case "BitwiseOr": operation = .or
        case "BitwiseXor": operation = .xor
        case "BitShift":
            operation = try node.typed(BitShiftAttributes.self).left ? .shiftLeft : .shiftRight
        default: throw node.error("not a bitwise op", kind: .unsupported)
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let a = try args.tensor(0)
        guard a.dtype.isInteger else {
            throw node.error("input has dtype \(a.dtype.rawValue); \(node.opType) takes integer tensors", kind: .invalidInput)
        }
        switch a.dtype {
        case .int8: return [try compute(Int8.self, a, args)]
        case .int16: return [try compute(Int16.self, a, args)]
        case .int32: return [try compute(Int32.self, a, args)]
        case .int64: return [try compute(Int64.self, a, args)]
        case .uint8: return [try compute(UInt8.self, a, args)]
        case .uint16: return [try compute(UInt16.self, a, args)]
        case .uint32: return [try compute(UInt32.self, a, args)]
        default: return [try compute(UInt64.self, a, args)]
        }
    }

    private func compute<T: FixedWidthInteger>(_: T.Type, _ a: Tensor, _ args: KernelInputs) throws -> Tensor {
        let pa = a.pointer(as: T.self)
        if operation == .not {
            let y = try Tensor(dtype: a.dtype, shape: a.shape)
            let out = y.pointer(as: T.self)
            for i in 0..<a.count { out[i] = ~pa[i] }
            return y
        }
        let b = try args.tensor(1)
        guard b.dtype == a.dtype else {
            throw node.error("inputs are \(a.dtype.rawValue) and \(b.dtype.rawValue); they must match", kind: .invalidInput)
        }
        let plan: Broadcast
        do {
            plan = try Broadcast([a.shape, b.shape])
        } catch let error as StrataError {
            throw error.located(node.location)
        }
        let pb = b.pointer(as: T.self)
        let y = try Tensor(dtype: a.dtype, shape: plan.shape)
        let out = y.pointer(as: T.self)
        let operation = self.operation
        plan.forEachRun(in: 0..<plan.count) { start, starts, length, steps in
            for j in 0..<length {
                let (x, s) = (pa[starts[0] + j * steps[0]], pb[starts[1] + j * steps[1]])
                switch operation {
                case .and: out[start + j] = x & s
                case .or: out[start + j] = x | s
                case .xor: out[start + j] = x ^ s
                case .shiftLeft: out[start + j] = s < 0 || s >= T.bitWidth ? 0 : x << s
                case .shiftRight: out[start + j] = s < 0 || s >= T.bitWidth ? (x < 0 ? ~T.zero : 0) : x >> s
                case .not: break
                }
            }
        }
        return y
    }
}
