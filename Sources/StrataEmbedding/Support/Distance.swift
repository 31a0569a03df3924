/// Squared Euclidean distance between two float rows of length `n`, accumulated in a fixed order
/// (two 8-lane partial sums, then the tail), so the same rows give the same bits everywhere.
@inline(__always)
func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var i = 0
    while i + 16 <= n {
        let d0 = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        let d1 = ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            - rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
        acc0 += d0 * d0
        acc1 += d1 * d1
        i += 16
    }
    if i + 8 <= n {
        let d0 = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        acc0 += d0 * d0
        i += 8
    }
    var sum = (acc0 + acc1).sum()
    while i < n {
        let d = a[i] - b[i]
        sum += d * d
        i += 1
    }
    return sum
}
