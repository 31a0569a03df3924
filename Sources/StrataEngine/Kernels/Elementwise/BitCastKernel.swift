import StrataCore

/// `BitCast` (opset 26): the input's bits read as `to`, a dtype of the same bit width. Bytes are
/// little-endian, as on every machine Strata runs on. Low-bit values are held one per byte
/// (`DType.isLowBit`), so a 4- or 2-bit result keeps the low bits of each byte, sign-extended for
/// int4 and int2.
struct BitCastKernel: Kernel {
    let node: Node
    let target: DType

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        target = try node.typed(BitCastAttributes.self).target
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        guard x.dtype.bitWidth == target.bitWidth else {
            throw node.error("input is \(x.dtype.rawValue) (\(x.dtype.bitWidth) bits) and 'to' is \(target.rawValue) "
                             + "(\(target.bitWidth) bits); BitCast needs equal widths", kind: .invalidInput)
        }
        if x.dtype == target { return [x] }
        let y = try Tensor(dtype: target, shape: x.shape)
        let width = target.bitWidth
        guard width < 8 else {
            y.rawPointer.copyMemory(from: x.rawPointer, byteCount: x.byteCount)
            return [y]
        }
        let source = x.rawPointer.assumingMemoryBound(to: UInt8.self), result = y.rawPointer.assumingMemoryBound(to: UInt8.self)
        let mask = UInt8((1 << width) - 1), sign = UInt8(1 << (width - 1))
        let extend = target == .int4 || target == .int2
        for i in 0 ..< x.count {
            let bits = source[i] & mask
            result[i] = extend && bits & sign != 0 ? bits | ~mask : bits
        }
        return [y]
    }
}
