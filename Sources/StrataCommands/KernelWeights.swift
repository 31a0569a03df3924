import StrataAnalysis

/// The numbers behind a kernel's weight histogram, shared by `filters`' histogram picture and the
/// TensorBoard weight histograms: the finite weights' count, sum, sum of squares, mean, population
/// standard deviation (two passes), minimum and maximum, and their histogram in TensorBoard's
/// default buckets.
struct KernelWeights {
    let histogram: ValueHistogram
    let count: Int
    let sum: Double
    let sumSquares: Double
    let mean: Double?
    let std: Double?
    let min: Double?
    let max: Double?

    init(_ kernel: LayerKernel) {
        let finite = kernel.weight.floats().filter(\.isFinite).map(Double.init)
        histogram = kernel.histogram
        count = finite.count
        sum = finite.reduce(0, +)
        sumSquares = finite.reduce(0) { $0 + $1 * $1 }
        let mean = finite.isEmpty ? nil : sum / Double(finite.count)
        self.mean = mean
        std = mean.map { m in (finite.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(finite.count)).squareRoot() }
        min = finite.min()
        max = finite.max()
    }
}
