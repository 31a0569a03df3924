/// The float64 gradients `RecurrentKernel`'s backward rule accumulates, in layout 0, and the
/// output gradients it starts from.
final class RecurrentGradients {
    let y: [Double]?, yh: [Double]?, yc: [Double]?
    var x: [Double], w: [Double], r: [Double], bias: [Double], h0: [Double], c0: [Double], peepholes: [Double]

    init(y: [Double]?, yh: [Double]?, yc: [Double]?, seq: Int, batch: Int, input: Int, hidden: Int, width: Int, directions: Int) {
        (self.y, self.yh, self.yc) = (y, yh, yc)
        x = [Double](repeating: 0, count: seq * batch * input)
        w = [Double](repeating: 0, count: directions * width * input)
        r = [Double](repeating: 0, count: directions * width * hidden)
        bias = [Double](repeating: 0, count: directions * 2 * width)
        h0 = [Double](repeating: 0, count: directions * batch * hidden)
        c0 = h0
        peepholes = [Double](repeating: 0, count: directions * 3 * hidden)
    }
}
