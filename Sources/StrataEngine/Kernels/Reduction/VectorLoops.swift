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

    /// The sum of `count` values in 32 running sums (four 8-lane vectors, added in a fixed order at
    /// the end): one vector of sums waits on each add's latency, four independent ones read as fast
    /// as memory delivers (GlobalAveragePool over EfficientNet-B0's squeeze-excitation inputs: 1.3
    /// values a cycle with four scalar sums, 0.50 → 0.22 ms for its 17 nodes).
    static func total(_ p: UnsafePointer<Float>, count: Int) -> Float {
        let raw = UnsafeRawPointer(p)
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        var i = 0
        while i + 32 <= count {
            a0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            a1 += raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            a2 += raw.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD8<Float>.self)
            a3 += raw.loadUnaligned(fromByteOffset: (i + 24) * 4, as: SIMD8<Float>.self)
            i += 32
        }
        while i + 8 <= count {
            a0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        let v = (a0 + a1) + (a2 + a3)
        var s = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]))
        while i < count {
            s += p[i]
            i += 1
        }
        return s
    }
}
