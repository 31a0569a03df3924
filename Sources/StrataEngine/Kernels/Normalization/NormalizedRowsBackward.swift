import StrataCore

/// The backward pass shared by the normalizations that standardise blocks of consecutive elements
/// ("rows") by their own mean and population variance and then scale and shift per channel
/// (InstanceNormalization: a row is an `(n, c)` plane; GroupNormalization: the planes of one group).
///
/// With `x̂ = (x − μ)·r`, `r = 1/√(σ² + ε)` and `h = g·γ`: `dx = r·(h − mean(h) − x̂·mean(h·x̂))` per
/// row; per channel `dγ = Σ g·x̂` and `dβ = Σ g`. Statistics in float64, as the forward kernels take them.
struct NormalizedRowsBackward {
    let rows: Int
    let columns: Int
    let epsilon: Double
    /// The channel of element `column` of row `row` (for γ and the parameter sums).
    let channel: (_ row: Int, _ column: Int) -> Int

    func run(x: Tensor, g: Tensor, gamma: [Double], parameters: Bool) throws -> (dx: Tensor, dGamma: [Double], dBeta: [Double]) {
        let dx = try Tensor(dtype: .float32, shape: x.shape)
        var dGamma = [Double](repeating: 0, count: parameters ? gamma.count : 0), dBeta = dGamma
        let (px, pg, pd) = (x.pointer(as: Float.self), g.pointer(as: Float.self), dx.pointer(as: Float.self))
        var normalized = [Double](repeating: 0, count: columns)
        let n = Double(Swift.max(columns, 1))
        for row in 0..<rows {
            let xr = px + row * columns, gr = pg + row * columns, dr = pd + row * columns
            var mean = 0.0
            for j in 0..<columns { mean += Double(xr[j]) }
            mean /= n
            var variance = 0.0
            for j in 0..<columns { variance += (Double(xr[j]) - mean) * (Double(xr[j]) - mean) }
            variance /= n
            let r = 1 / (variance + epsilon).squareRoot()
            var meanH = 0.0, meanHX = 0.0
            for j in 0..<columns {
                normalized[j] = (Double(xr[j]) - mean) * r
                let h = Double(gr[j]) * gamma[channel(row, j)]
                meanH += h
                meanHX += h * normalized[j]
            }
            meanH /= n
            meanHX /= n
            for j in 0..<columns {
                let c = channel(row, j)
                dr[j] = Float(r * (Double(gr[j]) * gamma[c] - meanH - normalized[j] * meanHX))
                if parameters {
                    dGamma[c] += Double(gr[j]) * normalized[j]
                    dBeta[c] += Double(gr[j])
                }
            }
        }
        return (dx, dGamma, dBeta)
    }
}
