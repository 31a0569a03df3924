import CStrataKernels
import StrataCore

/// `MatMul → Add(·, b)` with a constant float32 bias b along the product's last axis (shape [n] or
/// [1, …, 1, n]): the linear layers of PyTorch's transformer exports (ViT-B/16's query/key/value
/// and MLP layers, 36 Adds that took 3.8 ms of a 380 ms run at one thread). Where the product runs
/// on the AVX-512 GEMM with its weight packed, the GEMM adds the bias as it stores each value
/// (`strata_epilogue.column_bias`); elsewhere one pass adds it after the product.
///
/// The values are the separate nodes' bits: each is the product's float32 value plus the bias's,
/// one addition, which is the same whichever operand of the `Add` the product is.
struct ColumnBias: Sendable {
    /// The bias, float32.
    let values: Tensor

    /// The bias `add` adds to the product `product`, or nil where `add` is not such an `Add`.
    init?(add: Node, product: String, constant: (String) -> Tensor?) {
        guard add.opType == "Add", add.inputs.count == 2, add.inputs.filter({ $0 == product }).count == 1,
              let other = add.inputs.first(where: { $0 != product }), !other.isEmpty, let b = constant(other),
              b.dtype == .float32, b.rank >= 1, b.count > 0, b.shape.dropLast().allSatisfy({ $0 == 1 }) else { return nil }
        values = b
    }

    /// Whether adding the bias to a product of shape `shape` is all the `Add` does: the bias runs
    /// along its last axis and adds no axes to it.
    func fits(_ shape: [Int]) -> Bool {
        shape.count >= values.rank && shape.last == values.count
    }

    /// y[…, j] += bias[j], in place (y float32, of a shape that `fits`).
    func add(to y: Tensor, context: ExecutionContext) {
        precondition(y.dtype == .float32 && fits(y.shape), "ColumnBias: a product of another shape")
        let n = values.count, rows = y.count / n
        let job = ColumnBiasJob(y: y.pointer(as: Float.self), b: UnsafePointer(values.pointer(as: Float.self)), n: n)
        context.parallelFor(rows, minChunk: Swift.max(1, 16384 / n)) { range in
            for r in range {
                let row = job.y + r * job.n
                for j in 0 ..< job.n { row[j] = row[j] + job.b[j] }
            }
        }
    }
}

/// What the parallel loop of `ColumnBias.add` shares; each task writes its own rows.
private struct ColumnBiasJob: @unchecked Sendable {
    let y: UnsafeMutablePointer<Float>
    let b: UnsafePointer<Float>
    let n: Int
}
