import StrataCore

/// A quantized operand of an onnxruntime contrib op: values (uint8 or int8) with one scale and
/// one zero point, read from three node inputs.
struct QuantizedTensor {
    let values: Tensor
    let scale: Float
    let zeroPoint: Int
    let range: ClosedRange<Int>

    /// Inputs `value`, `scale` and `zeroPoint` (optional: 0) of `args`; `name` names them in errors.
    init(_ args: KernelInputs, value: Int, scale: Int, zeroPoint: Int?, _ name: String, node: Node) throws {
        try self.init(values: try args.tensor(value), scale: try args.tensor(scale),
                      zeroPoint: zeroPoint.flatMap { args.optional($0) }, name, node: node)
    }

    init(values: Tensor, scale: Tensor, zeroPoint: Tensor?, _ name: String, node: Node) throws {
        self.values = values
        range = try QuantizedInteger.requireRange(values.dtype, name, node: node)
        let scales = try QuantizedInteger.scales(scale, "the scale of \(name)", node: node)
        let zeros = try QuantizedInteger.zeroPoints(zeroPoint, matching: values.dtype, "the zero point of \(name)", node: node)
        guard scales.count == 1, zeros.count == 1 else {
            throw node.error("the scale and zero point of \(name) must be single values, found \(scale.shape) and "
                             + "\(zeroPoint?.shape ?? [])", kind: .unsupported)
        }
        self.scale = scales[0]
        self.zeroPoint = zeros[0]
    }

    /// An output's scale and zero point (inputs `scale` and optional `zeroPoint`), for values of
    /// `dtype` (the zero point's when given).
    static func output(_ args: KernelInputs, scale: Int, zeroPoint: Int, dtype: DType, node: Node) throws -> QuantizedTensor {
        let zero = args.optional(zeroPoint)
        let placeholder = try Tensor(dtype: zero?.dtype ?? dtype, shape: [0])
        return try QuantizedTensor(values: placeholder, scale: try args.tensor(scale), zeroPoint: zero, "the output", node: node)
    }

    /// Element `i` dequantized: `scale · (q - zero_point)` in float32.
    @inline(__always)
    func real(_ q: Int) -> Float { scale * Float(q - zeroPoint) }

    /// `value` quantized with this scale and zero point: `saturate(round(value / scale) + zero_point)`.
    @inline(__always)
    func quantize(_ value: Float) -> Int {
        QuantizedInteger.saturate(Double((value / scale).rounded(.toNearestOrEven)), zeroPoint: zeroPoint, range: range)
    }

    /// The 256 outputs `output.quantize(f(input.real(q)))` for each uint8/int8 value q (indexed by
    /// its bit pattern), which is how onnxruntime evaluates quantized elementwise functions.
    static func lookupTable(from input: QuantizedTensor, to output: QuantizedTensor, _ f: (Float) -> Float) -> [Int] {
        (0..<256).map { bits in
            let q = input.values.dtype == .int8 ? Int(Int8(truncatingIfNeeded: bits)) : bits
            return output.quantize(f(input.real(q)))
        }
    }

    /// A tensor of `dtype` holding `table[bit pattern of x[i]]` for each element of the 8-bit `x`.
    static func apply(_ table: [Int], to x: Tensor, dtype: DType) throws -> Tensor {
        let src = x.rawPointer.assumingMemoryBound(to: UInt8.self)
        return try QuantizedInteger.make(dtype, shape: x.shape) { table[Int(src[$0])] }
    }

    /// The integer at element `i` of the values.
    func integer(at i: Int) -> Int { values.intValue(at: i) }
}
