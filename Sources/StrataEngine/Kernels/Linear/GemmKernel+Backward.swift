import StrataCore

extension GemmKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        var inputs = Set<Int>()
        if wanted[0] { inputs.insert(1) }
        if wanted.count > 1 && wanted[1] { inputs.insert(0) }
        return SavedValues(inputs: inputs)
    }

    /// With `Y = α·op(A)·op(B) + β·C`: `d op(A) = α·g·op(B)ᵀ`, `d op(B) = α·op(A)ᵀ·g` (transposed
    /// back where the node transposes), `dC = β·g` summed to C's shape.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let g = step.gradient
        let aShape = step.shape(0), bShape = step.shape(1)
        guard aShape.count == 2, bShape.count == 2, g.rank == 2 else {
            throw node.error("A \(aShape) and B \(bShape) must be matrices", kind: .invalidInput)
        }
        let (m, k) = transA ? (aShape[1], aShape[0]) : (aShape[0], aShape[1])
        let n = transB ? bShape[0] : bShape[1]
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        let pg = UnsafePointer(g.pointer(as: Float.self))
        if step.wants(0) {
            let b = step.input(1)
            try GradientMath.requireFloat32([b], node)
            let da = try GradientMath.zeros(aShape)
            let pb = UnsafePointer(b.pointer(as: Float.self))
            if transA {
                Float.gemm(transA: transB, transB: true, m: k, n: m, k: n, alpha: alpha, a: pb, lda: bShape[1],
                           b: pg, ldb: n, beta: 0, c: da.pointer(as: Float.self), ldc: m)
            } else {
                Float.gemm(transA: false, transB: !transB, m: m, n: k, k: n, alpha: alpha, a: pg, lda: n,
                           b: pb, ldb: bShape[1], beta: 0, c: da.pointer(as: Float.self), ldc: k)
            }
            result[0] = da
        }
        if step.wants(1) {
            let a = step.input(0)
            try GradientMath.requireFloat32([a], node)
            let db = try GradientMath.zeros(bShape)
            let pa = UnsafePointer(a.pointer(as: Float.self))
            if transB {
                Float.gemm(transA: true, transB: transA, m: n, n: k, k: m, alpha: alpha, a: pg, lda: n,
                           b: pa, ldb: aShape[1], beta: 0, c: db.pointer(as: Float.self), ldc: k)
            } else {
                Float.gemm(transA: !transA, transB: false, m: k, n: n, k: m, alpha: alpha, a: pa, lda: aShape[1],
                           b: pg, ldb: n, beta: 0, c: db.pointer(as: Float.self), ldc: n)
            }
            result[1] = db
        }
        if step.wants(2) {
            let scaled = try GradientMath.map(g, g, context: context) { [beta] v, _ in v * beta }
            result[2] = try GradientMath.sum(scaled, toShape: step.shape(2))
        }
        return result
    }
}
