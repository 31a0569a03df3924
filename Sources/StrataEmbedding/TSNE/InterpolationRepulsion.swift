import CFFTW
import Foundation
import Synchronization

/// The repulsive forces of 2-D t-SNE by polynomial interpolation on a grid and FFT convolution
/// (Linderman et al. 2019, FIt-SNE), as openTSNE's `estimate_negative_gradient_fft_2d` computes
/// them with its defaults (3 interpolation points per interval, at least 50 intervals, intervals of
/// width ≤ 1):
///
/// 1. The square `[min, max]²` over both coordinates is cut into `B × B` boxes, `B = max(50, ⌈max −
///    min⌉)` rounded up to a number with no prime factor above 7 (FFT-friendly), at most 1,000.
///    Each box holds 3 × 3 equispaced nodes (at 1/6, 1/2, 5/6 of its width), `3B` per axis.
/// 2. Each point spreads the charges `q = (1, y₁, y₂, y₁² + y₂²)` onto its box's 9 nodes with the
///    products of the 1-D Lagrange polynomials through the 3 node positions.
/// 3. The node potentials are the charges convolved with the kernel `K(Δ) = (1 + ‖Δ‖²)⁻²` over all
///    node pairs: a Toeplitz product, done as a circular convolution of size `6B × 6B` by FFTW
///    (real-to-complex, single precision: its rounding is far below the interpolation's own error;
///    `FFTW_ESTIMATE` plans, so the same input gives the same bits).
///    The charges fill only the first `3B` rows and columns of that grid and the potentials are read
///    only from the last `3B` rows, so each 2-D transform is done as two 1-D passes that skip the rows
///    known to be zero or unused (row transforms, then column transforms): about a fifth less work
///    than FFTW's whole 2-D plan, the same arithmetic up to rounding.
/// 4. Each point's potentials `φ` are interpolated back from its box's nodes, and
///    `Z = Σ_i [(1 + ‖y_i‖²)·φ₀ − 2·(y_{i1}·φ₁ + y_{i2}·φ₂) + φ₃] − N`, `r_i = y_i·φ₀ − (φ₁, φ₂)`.
///
/// The four charge terms run in parallel, each on its own buffers; the result does not depend on
/// the thread count.
final class InterpolationRepulsion: TSNERepulsion {
    static let minIntervals = 50
    static let maxIntervals = 1000

    private let lanes: Int
    private var boxes = 0
    private var side = 0
    private var kernel: UnsafeMutablePointer<Float>?
    private var kernelSpectrum: UnsafeMutablePointer<fftwf_complex>?
    private var buffers: [UnsafeMutablePointer<Float>] = []
    private var spectra: [UnsafeMutablePointer<fftwf_complex>] = []
    /// Row transforms of the charge rows (`3B` real rows → half spectra).
    private var rowForward: OpaquePointer?
    /// Column transforms of the half spectrum, in place, forward and backward.
    private var columnForward: OpaquePointer?
    private var columnInverse: OpaquePointer?
    /// Row transforms back to real values, for the `3B` rows the potentials are read from.
    private var rowInverse: OpaquePointer?
    private var kernelPlan: OpaquePointer?

    private var points = PointScratch(count: 0)

    /// FFTW's planner is not thread-safe; plans are made under this lock.
    private static let planning = Mutex(())

    init(threads: Int) {
        lanes = max(1, min(4, threads))
    }

    deinit { release() }

    private func release() {
        Self.planning.withLock { _ in
            for plan in [rowForward, columnForward, columnInverse, rowInverse, kernelPlan] {
                if let plan { fftwf_destroy_plan(plan) }
            }
        }
        rowForward = nil
        columnForward = nil
        columnInverse = nil
        rowInverse = nil
        kernelPlan = nil
        kernel.map { fftwf_free($0) }
        kernelSpectrum.map { fftwf_free($0) }
        buffers.forEach { fftwf_free($0) }
        spectra.forEach { fftwf_free($0) }
        kernel = nil
        kernelSpectrum = nil
        buffers = []
        spectra = []
        boxes = 0
        side = 0
    }

    /// Buffers and plans for `count` boxes per axis.
    private func prepare(boxes count: Int) {
        guard count != boxes else { return }
        release()
        boxes = count
        side = 6 * count
        let real = side * side, complex = side * (side / 2 + 1)
        kernel = fftwf_alloc_real(real)
        kernelSpectrum = fftwf_alloc_complex(complex)
        for _ in 0 ..< lanes {
            buffers.append(fftwf_alloc_real(real))
            spectra.append(fftwf_alloc_complex(complex))
        }
        Self.planning.withLock { _ in
            let n = Int32(side), half = Int32(side / 2 + 1), rows = Int32(3 * count)
            var length = n
            kernelPlan = fftwf_plan_dft_r2c_2d(n, n, kernel, kernelSpectrum, FFTW_ESTIMATE)
            let grid = buffers[0], spectrum = spectra[0]
            rowForward = fftwf_plan_many_dft_r2c(1, &length, rows, grid, nil, 1, n, spectrum, nil, 1, half, FFTW_ESTIMATE)
            columnForward = fftwf_plan_many_dft(1, &length, half, spectrum, nil, half, 1, spectrum, nil, half, 1,
                                               FFTW_FORWARD, FFTW_ESTIMATE)
            columnInverse = fftwf_plan_many_dft(1, &length, half, spectrum, nil, half, 1, spectrum, nil, half, 1,
                                               FFTW_BACKWARD, FFTW_ESTIMATE)
            rowInverse = fftwf_plan_many_dft_c2r(1, &length, rows, spectrum + Int(rows) * Int(half), nil, 1, half,
                                                grid + Int(rows) * side, nil, 1, n, FFTW_ESTIMATE)
        }
    }

    /// The interval count for a span of embedding coordinates.
    static func intervals(span: Double) -> Int {
        var count = max(minIntervals, Int(span.rounded(.up)))
        while !isSmooth(count) { count += 1 }
        return min(count, maxIntervals)
    }

    /// True when `n` has no prime factor above 7.
    static func isSmooth(_ n: Int) -> Bool {
        var m = n
        for p in [2, 3, 5, 7] { while m % p == 0 { m /= p } }
        return m == 1
    }

    /// The Lagrange weights of the nodes at 1/6, 1/2, 5/6 for a position `t` in [0, 1] of a box.
    @inline(__always)
    static func weights(_ t: Double) -> SIMD3<Double> {
        let a = t - 1.0 / 6, b = t - 0.5, c = t - 5.0 / 6
        // Denominators: (1/6 − 1/2)(1/6 − 5/6) = 2/9, (1/2 − 1/6)(1/2 − 5/6) = −1/9, (5/6 − 1/6)(5/6 − 1/2) = 2/9.
        return SIMD3(b * c * 4.5, a * c * -9, a * b * 4.5)
    }

    func repulsion(_ y: UnsafePointer<Double>, count n: Int, into r: UnsafeMutablePointer<Double>) -> Double {
        var low = Double.infinity, high = -Double.infinity
        for i in 0 ..< 2 * n {
            low = min(low, y[i])
            high = max(high, y[i])
        }
        var span = high - low
        if !(span > 0) {
            span = 1
            low -= 0.5
        }
        let count = Self.intervals(span: span)
        prepare(boxes: count)
        let boxWidth = span / Double(count)
        let nodes = 3 * count
        let spacing = boxWidth / 3

        // Each point's box (x index, y index) and its 3 + 3 Lagrange weights.
        if points.count != n { points = PointScratch(count: n) }
        let boxX = points.boxX, boxY = points.boxY, weightX = points.weightX, weightY = points.weightY, phi = points.phi
        for i in 0 ..< n {
            let fx = (y[2 * i] - low) / boxWidth, fy = (y[2 * i + 1] - low) / boxWidth
            let bx = min(count - 1, max(0, Int(fx))), by = min(count - 1, max(0, Int(fy)))
            boxX[i] = Int32(bx)
            boxY[i] = Int32(by)
            weightX[i] = Self.weights(fx - Double(bx))
            weightY[i] = Self.weights(fy - Double(by))
        }

        // The kernel, embedded in a circulant matrix of side 2·nodes.
        let side = self.side
        let k = kernel!
        k.initialize(repeating: 0, count: side * side)
        for a in 0 ..< nodes {
            for b in 0 ..< nodes {
                let da = Double(a) * spacing, db = Double(b) * spacing
                let base = 1 + da * da + db * db
                let value = Float(1 / (base * base))
                k[(nodes + a) * side + nodes + b] = value
                k[(nodes - a) * side + nodes + b] = value
                k[(nodes + a) * side + nodes - b] = value
                k[(nodes - a) * side + nodes - b] = value
            }
        }
        fftwf_execute(kernelPlan)

        // φ: N × 4 potentials, one term per lane at a time.
        let scale = 1 / Double(side * side)
        let complexCount = side * (side / 2 + 1)
        let buffers = self.buffers, spectra = self.spectra, kernelSpectrum = self.kernelSpectrum!
        let plans = Plans(rowForward: rowForward, columnForward: columnForward, columnInverse: columnInverse, rowInverse: rowInverse)
        // Lane l runs terms l, l + lanes, … one after the other on its own buffers.
        Parallel.forEachChunk(count: lanes, chunkSize: 1, threads: lanes) { lane, _ in
            for term in stride(from: lane, to: 4, by: lanes) {
                runTerm(term, lane: lane, n: n, y: y, boxX: boxX, boxY: boxY, weightX: weightX, weightY: weightY,
                        nodes: nodes, side: side, scale: scale, complexCount: complexCount, buffers: buffers, spectra: spectra,
                        kernelSpectrum: kernelSpectrum, plans: plans, phi: phi)
            }
        }

        var z = 0.0
        for i in 0 ..< n {
            let y1 = y[2 * i], y2 = y[2 * i + 1]
            let p0 = phi[4 * i], p1 = phi[4 * i + 1], p2 = phi[4 * i + 2], p3 = phi[4 * i + 3]
            z += (1 + y1 * y1 + y2 * y2) * p0 - 2 * (y1 * p1 + y2 * p2) + p3
            r[2 * i] = y1 * p0 - p1
            r[2 * i + 1] = y2 * p0 - p2
        }
        return z - Double(n)
    }

    /// One charge term: spread onto the nodes, convolve, gather back into `phi[·, term]`.
    private func runTerm(_ term: Int, lane: Int, n: Int, y: UnsafePointer<Double>, boxX: UnsafeMutablePointer<Int32>,
                         boxY: UnsafeMutablePointer<Int32>, weightX: UnsafeMutablePointer<SIMD3<Double>>,
                         weightY: UnsafeMutablePointer<SIMD3<Double>>, nodes: Int, side: Int, scale: Double,
                         complexCount: Int, buffers: [UnsafeMutablePointer<Float>], spectra: [UnsafeMutablePointer<fftwf_complex>],
                         kernelSpectrum: UnsafeMutablePointer<fftwf_complex>, plans: Plans, phi: UnsafeMutablePointer<Double>) {
        let grid = buffers[lane], spectrum = spectra[lane]
        let half = side / 2 + 1
        // Only the charge rows are transformed; the rows below them are zero in the half spectrum.
        grid.initialize(repeating: 0, count: nodes * side)
        UnsafeMutableRawPointer(spectrum + nodes * half).initializeMemory(as: Float.self, repeating: 0, count: 2 * (side - nodes) * half)
        for i in 0 ..< n {
            let charge: Double
            switch term {
            case 0: charge = 1
            case 1: charge = y[2 * i]
            case 2: charge = y[2 * i + 1]
            default: charge = y[2 * i] * y[2 * i] + y[2 * i + 1] * y[2 * i + 1]
            }
            let row0 = Int(boxX[i]) * 3, column0 = Int(boxY[i]) * 3
            let wx = weightX[i] * charge, wy = weightY[i]
            for a in 0 ..< 3 {
                let rowBase = (row0 + a) * side + column0
                for b in 0 ..< 3 { grid[rowBase + b] += Float(wx[a] * wy[b]) }
            }
        }
        fftwf_execute_dft_r2c(plans.rowForward, grid, spectrum)
        fftwf_execute_dft(plans.columnForward, spectrum, spectrum)
        let s = UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: Float.self)
        let kk = UnsafeMutableRawPointer(kernelSpectrum).assumingMemoryBound(to: Float.self)
        for c in 0 ..< complexCount {
            let ar = s[2 * c], ai = s[2 * c + 1], br = kk[2 * c], bi = kk[2 * c + 1]
            s[2 * c] = ar * br - ai * bi
            s[2 * c + 1] = ar * bi + ai * br
        }
        fftwf_execute_dft(plans.columnInverse, spectrum, spectrum)
        fftwf_execute_dft_c2r(plans.rowInverse, spectrum + nodes * half, grid + nodes * side)
        for i in 0 ..< n {
            let row0 = nodes + Int(boxX[i]) * 3, column0 = nodes + Int(boxY[i]) * 3
            let wx = weightX[i], wy = weightY[i]
            var sum = 0.0
            for a in 0 ..< 3 {
                let rowBase = (row0 + a) * side + column0
                for b in 0 ..< 3 { sum += wx[a] * wy[b] * Double(grid[rowBase + b]) }
            }
            phi[4 * i + term] = sum * scale
        }
    }

    /// The four 1-D plans of one convolution, made on lane 0's buffers and run on each lane's own
    /// (FFTW's new-array execute functions; every lane's buffers have the same size and alignment).
    private struct Plans: @unchecked Sendable {
        let rowForward: OpaquePointer?
        let columnForward: OpaquePointer?
        let columnInverse: OpaquePointer?
        let rowInverse: OpaquePointer?
    }

    /// Per-point scratch kept between iterations: each point's box, its Lagrange weights and its four
    /// potentials. At 10,000 points fresh arrays would be fresh pages from the kernel every iteration.
    private final class PointScratch {
        let count: Int
        let boxX: UnsafeMutablePointer<Int32>, boxY: UnsafeMutablePointer<Int32>
        let weightX: UnsafeMutablePointer<SIMD3<Double>>, weightY: UnsafeMutablePointer<SIMD3<Double>>
        let phi: UnsafeMutablePointer<Double>

        init(count: Int) {
            self.count = count
            boxX = .allocate(capacity: count)
            boxY = .allocate(capacity: count)
            weightX = .allocate(capacity: count)
            weightY = .allocate(capacity: count)
            phi = .allocate(capacity: 4 * count)
        }

        deinit {
            boxX.deallocate()
            boxY.deallocate()
            weightX.deallocate()
            weightY.deallocate()
            phi.deallocate()
        }
    }
}
