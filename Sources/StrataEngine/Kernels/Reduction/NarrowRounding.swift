import StrataCore

/// Rounding to float16 or bfloat16, for the kernels that compute a narrow-float model step by step in
/// its own precision (Softmax, and Attention's softmax): the ONNX reference runs them as numpy
/// operations on float16 or bfloat16 arrays, and each operation rounds its result to the array's type.
struct NarrowRounding: Sendable {
    let dtype: DType

    /// Nil for the types that need no rounding: float32 and float64.
    init?(_ dtype: DType) {
        guard dtype == .float16 || dtype == .bfloat16 else { return nil }
        self.dtype = dtype
    }

    /// `x` rounded to the nearest value of the type (ties to even), as a Float.
    func callAsFunction(_ x: Float) -> Float {
        dtype == .float16 ? Float(Float16(x)) : Float(bitPattern: UInt32(NumericStaging.bfloat16Bits(x)) << 16)
    }

    /// The sum of `count` values of this type, rounded to it.
    ///
    /// float16 is summed in float32 and rounded once, as numpy sums float16 arrays. bfloat16 is summed
    /// in bfloat16, every partial sum rounded, in numpy's pairwise order: left to right below 8 values
    /// (the order of the reference's loop over an ml_dtypes array, so short rows give its bits), then
    /// eight interleaved partial sums, then halves. A left-to-right bfloat16 sum stops growing at 256
    /// equal terms (4,096 equal attention scores would each weigh 16 times too much); pairwise, the
    /// error grows with log n.
    func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        if dtype == .float16 { return self(Self.pairwise(values, count) { $0 + $1 }) }
        return Self.pairwise(values, count) { self($0 + $1) }
    }

    private static func pairwise(_ a: UnsafePointer<Float>, _ n: Int, _ add: (Float, Float) -> Float) -> Float {
        if n < 8 {
            guard n > 0 else { return 0 }
            var total = a[0]
            for i in 1..<n { total = add(total, a[i]) }
            return total
        }
        if n <= 128 {
            var r = (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])
            var i = 8
            while i + 8 <= n {
                r = (add(r.0, a[i]), add(r.1, a[i + 1]), add(r.2, a[i + 2]), add(r.3, a[i + 3]),
                     add(r.4, a[i + 4]), add(r.5, a[i + 5]), add(r.6, a[i + 6]), add(r.7, a[i + 7]))
                i += 8
            }
            var total = add(add(add(r.0, r.1), add(r.2, r.3)), add(add(r.4, r.5), add(r.6, r.7)))
            while i < n { total = add(total, a[i]); i += 1 }
            return total
        }
        let half = n / 2 - (n / 2) % 8
        return add(pairwise(a, half, add), pairwise(a + half, n - half, add))
    }
}
