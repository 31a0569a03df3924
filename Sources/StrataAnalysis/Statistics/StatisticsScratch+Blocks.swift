import CStrataKernels
import StrataCore

/// The statistics kernel: one block of values at a time, in memory order.
extension StatisticsScratch {
    /// Where a tensor's channels are: `[outer, channels, inner]` in memory order; `channels == 0` when
    /// there is no channel axis.
    struct Geometry {
        var channels: Int
        var inner: Int
    }

    /// Where a pass over a float32 tensor `x` also takes the statistics of `clamp.apply(x)`, an op's
    /// output that is the clamp of `x` (`ClampBounds`): that output's partial counts, range and
    /// saturation counts go to `scratch`, its blocks' moments to `moments`. The histogram and the
    /// channel maxima come from `x`'s at the fold. A block with NaN or ±∞ sets `scratch.lostDerivation`.
    struct Derivation {
        let scratch: StatisticsScratch
        let clamp: ClampBounds
        let bands: SaturationBounds.FloatBands?
        let moments: UnsafeMutableBufferPointer<Moments>
    }

    /// Accumulates blocks `blocks` of `tensor`, writing each block's moments to `moments[block]`.
    /// `derived` is only for float32 tensors.
    func process(_ tensor: Tensor, blocks: Range<Int>, geometry: Geometry, bounds: SaturationBounds?,
                 moments: UnsafeMutableBufferPointer<Moments>, derived: Derivation? = nil) {
        let count = tensor.count
        let size = Self.blockSize
        let bands = bounds?.floatBands
        for k in blocks {
            let start = k * size, n = Swift.min(size, count - start)
            if let derived, tensor.dtype == .float32 {
                let x = UnsafePointer(tensor.pointer(as: Float.self) + start)
                if geometry.channels > 0 { floatChannelPass(x, start: start, count: n, geometry, bands, derived: derived) }
                (moments[k], derived.moments[k]) = floatBlockPair(x, n, derived)
            } else if tensor.dtype.isExactInFloat {
                let x: UnsafePointer<Float>
                if tensor.dtype == .float32 {
                    x = UnsafePointer(tensor.pointer(as: Float.self) + start)
                } else {
                    tensor.copyFloats(from: start, count: n, into: floats)
                    x = UnsafePointer(floats)
                }
                if geometry.channels > 0 { floatChannelPass(x, start: start, count: n, geometry, bands, derived: nil) }
                moments[k] = floatBlock(x, n)
            } else {
                tensor.copyDoubles(from: start, count: n, into: doubles)
                let x = UnsafePointer(doubles)
                if geometry.channels > 0 { doubleChannelPass(x, start: start, count: n, geometry, bounds) }
                moments[k] = generalBlock(x, n)
            }
        }
    }

    // MARK: Channels

    /// Per-channel maxima (NaN ignored) and saturation counts of the float32 values `start ..< start + n`,
    /// walked in runs that stay within one row (channels-last) or one channel (channels-first); with
    /// `derived`, also the saturation counts of their clamp (its maxima are the clamp of these).
    @inline(__always)
    private func floatChannelPass(_ x: UnsafePointer<Float>, start: Int, count n: Int, _ g: Geometry, _ bands: SaturationBounds.FloatBands?,
                                  derived: Derivation?) {
        let cm = channelMaxFloat, sat = saturated
        let derivedBands = derived?.bands, clamp = derived?.clamp ?? .none, derivedSat = derived?.scratch.saturated
        var done = 0
        if g.inner == 1 {
            // Channels-last: a row of `channels` values, one per channel.
            var c = start % g.channels
            while done < n {
                let len = Swift.min(g.channels - c, n - done)
                let row = x + done, m = cm + c
                for j in 0 ..< len {
                    let v = row[j], old = m[j]
                    m[j] = v > old ? v : old
                }
                if let bands {
                    let s = sat + c
                    for j in 0 ..< len { s[j] &+= bands.count(row[j]) }
                }
                if let derivedBands, let derivedSat {
                    let s = derivedSat + c
                    for j in 0 ..< len { s[j] &+= derivedBands.count(clamp.apply(row[j])) }
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
                // One call for the maximum and the bands of whichever layer has them (a ReLU6's, when
                // derived); a second where both have.
                var inside: Int64 = 0
                let m: Float
                if var own = bands?.kernelBands {
                    m = strata_run_max_f32(run, len, &own, -.infinity, .infinity, &inside)
                    sat[c] &+= Int(inside)
                    if var other = derivedBands?.kernelBands, let derivedSat {
                        _ = strata_run_max_f32(run, len, &other, clamp.lo, clamp.hi, &inside)
                        derivedSat[c] &+= Int(inside)
                    }
                } else if var other = derivedBands?.kernelBands, let derivedSat {
                    m = strata_run_max_f32(run, len, &other, clamp.lo, clamp.hi, &inside)
                    derivedSat[c] &+= Int(inside)
                } else {
                    m = strata_run_max_f32(run, len, nil, -.infinity, .infinity, nil)
                }
                if m > cm[c] { cm[c] = m }
                done += len
                offset = 0
                c += 1
                if c == g.channels { c = 0 }
            }
        }
    }

    /// `floatChannelPass` for values held as double, one at a time.
    private func doubleChannelPass(_ x: UnsafePointer<Double>, start: Int, count n: Int, _ g: Geometry, _ bounds: SaturationBounds?) {
        let cm = channelMax, sat = saturated
        var c = g.inner == 1 ? start % g.channels : (start / g.inner) % g.channels
        var offset = g.inner == 1 ? 0 : start % g.inner
        for i in 0 ..< n {
            let v = x[i]
            if v > cm[c] { cm[c] = v }
            if let bounds, bounds.contains(v) { sat[c] &+= 1 }
            if g.inner == 1 {
                c += 1
                if c == g.channels { c = 0 }
            } else {
                offset += 1
                if offset == g.inner {
                    offset = 0
                    c += 1
                    if c == g.channels { c = 0 }
                }
            }
        }
    }

    // MARK: Moments, counts, histogram

    /// A float32 block: its sums, range, zeros and negatives (`strata_block_sums_f32`, in the
    /// instruction-set tier's vectors), then the histogram. NaN and ±∞ fall in the histogram's spare
    /// bucket, which is never reported, and count as zeros and negatives exactly as the definitions
    /// want; but they make the sums non-finite, and then the range and moments are redone value by value.
    @inline(__always)
    private func floatBlock(_ x: UnsafePointer<Float>, _ n: Int) -> Moments {
        var sums = strata_block_sums()
        strata_block_sums_f32(x, n, -.infinity, .infinity, &sums)
        let table = HistogramTables.float, limits = HistogramTables.floatLimits, lanes = laneCounts
        let stride = Self.laneStride
        var i = 0
        while i + 8 <= n {
            for l in 0 ..< 8 {
                (lanes + l &* stride)[HistogramBuckets.bucket(x[i &+ l], table: table, limits: limits)] &+= 1
            }
            i += 8
        }
        while i < n {
            lanes[HistogramBuckets.bucket(x[i], table: table, limits: limits)] &+= 1
            i += 1
        }
        zeros &+= Int(sums.zeros)
        negative &+= Int(sums.negatives)
        guard sums.deviation.isFinite, sums.squares.isFinite else {
            return generalBlock(x, n, histogramAndSigns: false)
        }
        minimum = Swift.min(minimum, Double(sums.low))
        maximum = Swift.max(maximum, Double(sums.high))
        return Self.moments(sums, n, shift: x[0])
    }

    /// `floatBlock`, then the sums of `derived.clamp.apply(x)` into `derived.scratch`, whose histogram
    /// is this one's, clamped, at the fold. A block with NaN or ±∞ loses the derivation.
    @inline(__always)
    private func floatBlockPair(_ x: UnsafePointer<Float>, _ n: Int, _ derived: Derivation) -> (Moments, Moments) {
        let m = floatBlock(x, n)
        // `floatBlock` counts NaN and ±∞ only where it meets them.
        guard nan == 0, inf == 0 else {
            derived.scratch.lostDerivation = true
            return (m, Moments())
        }
        let clamp = derived.clamp
        var sums = strata_block_sums()
        strata_block_sums_f32(x, n, clamp.lo, clamp.hi, &sums)
        let y = derived.scratch
        y.zeros &+= Int(sums.zeros)
        y.negative &+= Int(sums.negatives)
        y.minimum = Swift.min(y.minimum, Double(sums.low))
        y.maximum = Swift.max(y.maximum, Double(sums.high))
        return (m, Self.moments(sums, n, shift: clamp.apply(x[0])))
    }

    /// A block's moments from its sums of `d = y − K`, `K` its first value: `m2 = Σd² − (Σd)²/n`,
    /// whose relative error is at most about `n·ε` because `(K − mean)²` never exceeds `n` times the
    /// variance.
    @inline(__always)
    private static func moments(_ sums: strata_block_sums, _ n: Int, shift: Float) -> Moments {
        let count = Double(n), k = Double(shift)
        return Moments(n: n, mean: k + sums.deviation / count, m2: Swift.max(sums.squares - sums.deviation * sums.deviation / count, 0))
    }

    /// Any block, value by value: NaN and ±∞ counted and left out of the moments, the range and the
    /// histogram. Without `histogramAndSigns`, the histogram, zeros and negatives are left alone
    /// (`floatBlock` has counted them).
    @inline(__always)
    private func generalBlock<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ n: Int, histogramAndSigns: Bool = true) -> Moments {
        let table = HistogramTables.double, limits = HistogramTables.doubleLimits
        var finite = 0, sum = 0.0
        var low = Double.infinity, high = -Double.infinity
        for i in 0 ..< n {
            let v = Double(x[i])
            if v.isNaN {
                nan &+= 1
                continue
            }
            if histogramAndSigns {
                if v == 0 { zeros &+= 1 }
                if v < 0 { negative &+= 1 }
            }
            if v.isInfinite {
                inf &+= 1
                continue
            }
            finite &+= 1
            sum += v
            if v < low { low = v }
            if v > high { high = v }
            if histogramAndSigns { laneCounts[HistogramBuckets.bucket(v, table: table, limits: limits)] &+= 1 }
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
