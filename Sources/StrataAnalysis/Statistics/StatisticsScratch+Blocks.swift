import StrataCore

/// The statistics kernel: one block of values at a time, in memory order.
extension StatisticsScratch {
    /// Where a tensor's channels are: `[outer, channels, inner]` in memory order; `channels == 0` when
    /// there is no channel axis.
    struct Geometry {
        var channels: Int
        var inner: Int
    }

    /// Accumulates blocks `blocks` of `tensor`, writing each block's moments to `moments[block]`.
    func process(_ tensor: Tensor, blocks: Range<Int>, geometry: Geometry, bounds: SaturationBounds?,
                 moments: UnsafeMutableBufferPointer<Moments>) {
        let count = tensor.count
        let size = Self.blockSize
        for k in blocks {
            let start = k * size, n = Swift.min(size, count - start)
            if tensor.dtype.isExactInFloat {
                let x: UnsafePointer<Float>
                if tensor.dtype == .float32 {
                    x = UnsafePointer(tensor.pointer(as: Float.self) + start)
                } else {
                    tensor.copyFloats(from: start, count: n, into: floats)
                    x = UnsafePointer(floats)
                }
                if geometry.channels > 0 { channelPass(x, start: start, count: n, geometry, bounds) }
                moments[k] = finiteFloatBlock(x, n) ?? generalBlock(x, n)
            } else {
                tensor.copyDoubles(from: start, count: n, into: doubles)
                let x = UnsafePointer(doubles)
                if geometry.channels > 0 { channelPass(x, start: start, count: n, geometry, bounds) }
                moments[k] = generalBlock(x, n)
            }
        }
    }

    // MARK: Channels

    /// Per-channel maxima (NaN ignored) and saturation counts of the values `start ..< start + n`,
    /// walked in runs that stay within one row (channels-last) or one channel (channels-first).
    @inline(__always)
    private func channelPass<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, start: Int, count n: Int, _ g: Geometry,
                                                     _ bounds: SaturationBounds?) {
        let cm = channelMax, sat = saturated
        var done = 0
        if g.inner == 1 {
            // Channels-last: a row of `channels` values, one per channel.
            var c = start % g.channels
            while done < n {
                let len = Swift.min(g.channels - c, n - done)
                let row = x + done, m = cm + c
                for j in 0 ..< len {
                    let v = Double(row[j]), old = m[j]
                    m[j] = v > old ? v : old
                }
                if let bounds {
                    let s = sat + c
                    for j in 0 ..< len { s[j] &+= bounds.contains(Double(row[j])) ? 1 : 0 }
                }
                done += len
                c = 0
            }
        } else {
            // Channels-first: a run of `inner` values of one channel.
            var offset = start % g.inner
            var c = (start / g.inner) % g.channels
            while done < n {
                let len = Swift.min(g.inner - offset, n - done)
                let run = x + done
                let m = Self.maximumIgnoringNaN(run, len)
                if m > cm[c] { cm[c] = m }
                if let bounds {
                    var s = 0
                    for j in 0 ..< len { s &+= bounds.contains(Double(run[j])) ? 1 : 0 }
                    sat[c] &+= s
                }
                done += len
                offset = 0
                c += 1
                if c == g.channels { c = 0 }
            }
        }
    }

    @inline(__always)
    private static func maximumIgnoringNaN<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
        if T.self == Float.self {
            return maximumIgnoringNaN(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), n)
        }
        var m = -Double.infinity
        for j in 0 ..< n {
            let v = Double(x[j])
            m = v > m ? v : m
        }
        return m
    }

    @inline(__always)
    private static func maximumIgnoringNaN(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
        let raw = UnsafeRawPointer(x)
        var m = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            m.replace(with: v, where: v .> m)
            i += 8
        }
        var best = m.max()
        while i < n {
            if x[i] > best { best = x[i] }
            i += 1
        }
        return Double(best)
    }

    // MARK: Moments, counts, histogram

    /// The fast path for float32 blocks without NaN or ±∞ (nil, touching nothing, when there is one):
    /// the double sum gives the mean and tells whether every value is finite (a float32 sum of 8192
    /// values cannot overflow a double), a second pass the squared deviations and the histogram.
    @inline(__always)
    private func finiteFloatBlock(_ x: UnsafePointer<Float>, _ n: Int) -> Moments? {
        let raw = UnsafeRawPointer(x)
        // Four double sums and two of everything else keep the adds' latency off the critical path.
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>(), s2 = SIMD4<Double>(), s3 = SIMD4<Double>()
        var lo0 = SIMD8<Float>(repeating: .infinity), hi0 = SIMD8<Float>(repeating: -.infinity)
        var lo1 = lo0, hi1 = hi0
        var zeroLanes = SIMD8<Int32>(), negativeLanes = SIMD8<Int32>()
        let one = SIMD8<Int32>(repeating: 1), none = SIMD8<Int32>()
        var i = 0
        while i + 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let w = raw.loadUnaligned(fromByteOffset: i &* 4 &+ 32, as: SIMD8<Float>.self)
            s0 += SIMD4<Double>(v.lowHalf)
            s1 += SIMD4<Double>(v.highHalf)
            s2 += SIMD4<Double>(w.lowHalf)
            s3 += SIMD4<Double>(w.highHalf)
            lo0.replace(with: v, where: v .< lo0)
            hi0.replace(with: v, where: v .> hi0)
            lo1.replace(with: w, where: w .< lo1)
            hi1.replace(with: w, where: w .> hi1)
            zeroLanes &+= none.replacing(with: one, where: v .== 0)
            negativeLanes &+= none.replacing(with: one, where: v .< 0)
            zeroLanes &+= none.replacing(with: one, where: w .== 0)
            negativeLanes &+= none.replacing(with: one, where: w .< 0)
            i += 16
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        var low = Swift.min(lo0.min(), lo1.min()), high = Swift.max(hi0.max(), hi1.max())
        var zeroCount = Int(zeroLanes.wrappedSum()), negativeCount = Int(negativeLanes.wrappedSum())
        while i < n {
            let v = x[i]
            sum += Double(v)
            if v < low { low = v }
            if v > high { high = v }
            if v == 0 { zeroCount += 1 }
            if v < 0 { negativeCount += 1 }
            i += 1
        }
        guard sum.isFinite else { return nil }
        let mean = sum / Double(n)

        // Corrected two-pass: Σd² − (Σd)²/n with d = x − mean; the histogram in the same loop, so the
        // scalar bucket lookups and the vector arithmetic share the cycles.
        let table = HistogramTables.float, limits = HistogramTables.floatLimits, lanes = laneCounts
        let meanLanes = SIMD4<Double>(repeating: mean)
        var d0 = SIMD4<Double>(), d1 = SIMD4<Double>(), q0 = SIMD4<Double>(), q1 = SIMD4<Double>()
        i = 0
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let a = SIMD4<Double>(v.lowHalf) - meanLanes, b = SIMD4<Double>(v.highHalf) - meanLanes
            d0 += a
            d1 += b
            q0 += a * a
            q1 += b * b
            for l in 0 ..< 8 {
                lanes[HistogramBuckets.bucket(v[l], table: table, limits: limits) &* Self.lanes &+ l] &+= 1
            }
            i += 8
        }
        var deviation = (d0 + d1).sum(), squares = (q0 + q1).sum()
        while i < n {
            let d = Double(x[i]) - mean
            deviation += d
            squares += d * d
            lanes[HistogramBuckets.bucket(x[i], table: table, limits: limits) &* Self.lanes] &+= 1
            i += 1
        }

        zeros &+= zeroCount
        negative &+= negativeCount
        minimum = Swift.min(minimum, Double(low))
        maximum = Swift.max(maximum, Double(high))
        return Moments(n: n, mean: mean, m2: Swift.max(squares - deviation * deviation / Double(n), 0))
    }

    /// Any block, value by value: NaN and ±∞ counted and left out of the moments, the range and the histogram.
    @inline(__always)
    private func generalBlock<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ n: Int) -> Moments {
        let table = HistogramTables.double, limits = HistogramTables.doubleLimits
        var finite = 0, sum = 0.0
        var low = Double.infinity, high = -Double.infinity
        for i in 0 ..< n {
            let v = Double(x[i])
            if v.isNaN {
                nan &+= 1
                continue
            }
            if v == 0 { zeros &+= 1 }
            if v < 0 { negative &+= 1 }
            if v.isInfinite {
                inf &+= 1
                continue
            }
            finite &+= 1
            sum += v
            if v < low { low = v }
            if v > high { high = v }
            laneCounts[HistogramBuckets.bucket(v, table: table, limits: limits) &* Self.lanes] &+= 1
        }
        guard finite > 0 else { return Moments() }
        minimum = Swift.min(minimum, low)
        maximum = Swift.max(maximum, high)
        if !sum.isFinite {
            // Doubles near the top of their range overflow a plain sum: Welford's update instead.
            var m = Moments()
            for i in 0 ..< n {
                let v = Double(x[i])
                guard v.isFinite else { continue }
                m.n += 1
                let d = v - m.mean
                m.mean += d / Double(m.n)
                m.m2 += d * (v - m.mean)
            }
            return m
        }
        let mean = sum / Double(finite)
        var deviation = 0.0, squares = 0.0
        for i in 0 ..< n {
            let v = Double(x[i])
            guard v.isFinite else { continue }
            let d = v - mean
            deviation += d
            squares += d * d
        }
        return Moments(n: finite, mean: mean, m2: Swift.max(squares - deviation * deviation / Double(finite), 0))
    }
}

/// The lookup tables of `HistogramBuckets` at fixed addresses for the kernels (allocated once, never freed).
enum HistogramTables {
    nonisolated(unsafe) static let float = immortal(HistogramBuckets.floatTable)
    nonisolated(unsafe) static let floatLimits = immortal(HistogramBuckets.floatLimits)
    nonisolated(unsafe) static let double = immortal(HistogramBuckets.doubleTable)
    nonisolated(unsafe) static let doubleLimits = immortal(HistogramBuckets.doubleLimits)

    private static func immortal<T>(_ values: [T]) -> UnsafePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        p.initialize(from: values, count: values.count)
        return UnsafePointer(p)
    }
}
