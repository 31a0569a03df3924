import StrataCore

/// AffineGrid: for theta [N, 2, 3] (or [N, 3, 4]) and size (N, C, H, W) (or (N, C, D, H, W)), the
/// sampling grid [N, H, W, 2] (or [N, D, H, W, 3]) whose entry is theta · (x, y, 1) (or
/// (x, y, z, 1)), with x, y, z the normalised coordinates of the output position: `-1 + 2i/(S-1)`
/// with `align_corners`, else `-1 + (2i+1)/S`. Computed in float64, returned in theta's dtype.
struct AffineGridKernel: Kernel {
    let node: Node
    let alignCorners: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        alignCorners = try node.typed(AffineGridAttributes.self).alignCorners
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let theta = try args.tensor(0)
        guard let size = try args.ints(1, "size"), size.count == 4 || size.count == 5 else {
            throw node.error("size must be (N, C, H, W) or (N, C, D, H, W)", kind: .invalidInput)
        }
        let spatial = Array(size.dropFirst(2)).reversed().map { $0 }  // x (width) first
        let rank = spatial.count
        guard theta.dtype.isFloatingPoint, theta.shape == [size[0], rank, rank + 1] else {
            throw node.error("theta \(theta.type) must be a float tensor [\(size[0]), \(rank), \(rank + 1)]", kind: .invalidInput)
        }
        guard spatial.allSatisfy({ $0 >= 0 }) else { throw node.error("size \(size) has a negative dimension", kind: .invalidInput) }
        let positions = spatial.elementCount
        let grid = try Tensor(dtype: .float64, shape: [size[0]] + Array(size.dropFirst(2)) + [rank])
        let out = grid.pointer(as: Double.self)
        let coordinate = { (i: Int, s: Int) -> Double in
            self.alignCorners ? (s > 1 ? -1 + 2 * Double(i) / Double(s - 1) : 0) : -1 + (2 * Double(i) + 1) / Double(s)
        }
        for n in 0..<size[0] {
            for p in 0..<positions {
                // p runs row-major over (D,) H, W: the last axis is x.
                var rest = p
                var point = [Double](repeating: 1, count: rank + 1)
                for axis in 0..<rank {
                    point[axis] = coordinate(rest % spatial[axis], spatial[axis])
                    rest /= spatial[axis]
                }
                for row in 0..<rank {
                    var sum = 0.0
                    for k in 0...rank { sum += theta.doubleValue(at: (n * rank + row) * (rank + 1) + k) * point[k] }
                    out[(n * positions + p) * rank + row] = sum
                }
            }
        }
        return [theta.dtype == .float64 ? grid : try grid.converted(to: theta.dtype, context: context)]
    }
}
