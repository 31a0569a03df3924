/// Horizontal float32 loops written with eight-lane vectors, because the compiler may not
/// reorder a float sum or max into lanes on its own.
enum VectorLoops {
    /// The largest of `count` (> 0) values.
    static func maximum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        let raw = UnsafeRawPointer(p)
        var i = 0
        var m = p[0]
        if count >= 8 {
            var lanes = raw.loadUnaligned(as: SIMD8<Float>.self)
            i = 8
            while i + 8 <= count {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                lanes.replace(with: v, where: v .> lanes)
                i += 8
            }
            m = lanes.max()
        }
        while i < count {
            if p[i] > m { m = p[i] }
            i += 1
        }
        return m
    }

    /// The sum of `count` values, eight running sums at a time.
    static func total(_ p: UnsafePointer<Float>, count: Int) -> Float {
        let raw = UnsafeRawPointer(p)
        var lanes = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var s = lanes.sum()
        while i < count {
            s += p[i]
            i += 1
        }
        return s
    }
}
