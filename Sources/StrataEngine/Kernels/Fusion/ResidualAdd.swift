import CStrataKernels
import StrataCore

/// `Conv → Add(·, r) (→ activation)`: a residual connection added to a convolution's output in
/// place, with the activation, in one pass over it while it is in cache, instead of an `Add` node
/// writing a new tensor and an activation node reading it again (ResNet-50's 16 residual Adds and
/// their Relus took 3 ms of its 89 at one thread).
///
/// The values are the separate nodes' bits: each is the same float32 sum, in the `Add` node's
/// operand order, and the activation is the fused activations' (`FusedActivation`).
struct ResidualAdd: Sendable {
    /// The other operand of the `Add`, a value the run already has.
    let residual: String
    /// Whether the convolution's output is the `Add`'s first operand.
    let convolutionFirst: Bool

    /// Whether `r` can be added to `y` element by element (the same shape: no broadcasting).
    func fits(_ y: Tensor, _ r: Tensor) -> Bool {
        y.dtype == .float32 && r.dtype == .float32 && y.shape == r.shape
    }

    /// y = act(y + r) (or act(r + y)), in place.
    func apply(to y: Tensor, _ r: Tensor, activation: FusedActivation?, context: ExecutionContext) {
        precondition(fits(y, r), "ResidualAdd: operands of different shapes")
        let job = ResidualJob(y: y.pointer(as: Float.self), r: UnsafePointer(r.pointer(as: Float.self)), count: y.count,
                              first: convolutionFirst, epilogue: activation?.epilogue(bias: nil))
        let chunk = 1 << 14
        context.parallelFor((y.count + chunk - 1) / chunk) { chunks in
            var ep = job.epilogue
            for c in chunks {
                let start = c * chunk, count = Swift.min(chunk, job.count - start)
                let out = job.y + start, other = job.r + start
                if job.first {
                    for i in 0 ..< count { out[i] = out[i] + other[i] }
                } else {
                    for i in 0 ..< count { out[i] = other[i] + out[i] }
                }
                if ep != nil { strata_epilogue_apply(out, out, count, nil, &ep!) }
            }
        }
    }
}

/// What the parallel loop of `ResidualAdd.apply` shares; each chunk writes its own values.
private struct ResidualJob: @unchecked Sendable {
    let y: UnsafeMutablePointer<Float>
    let r: UnsafePointer<Float>
    let count: Int
    let first: Bool
    let epilogue: strata_epilogue?
}
