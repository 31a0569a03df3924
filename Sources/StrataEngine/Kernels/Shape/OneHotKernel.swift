import StrataCore

/// OneHot: `values[1]` where an index (negative counting from `depth`) selects the position on
/// the inserted `axis`, `values[0]` elsewhere; out-of-range indices select nothing.
struct OneHotKernel: Kernel {
    let node: Node
    let attributes: OneHotAttributes

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(OneHotAttributes.self)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let indexTensor = try args.tensor(0), depthTensor = try args.tensor(1), values = try args.tensor(2)
        guard depthTensor.count == 1, values.count == 2 else {
            throw node.error("depth must hold one value and values two", kind: .invalidInput)
        }
        let depthValue = depthTensor.doubleValue(at: 0)
        guard depthValue.isFinite, depthValue >= 0, depthValue < Double(1 << 40) else {
            throw node.error("depth \(depthValue) is out of range", kind: .invalidInput)
        }
        let depth = Int(depthValue)
        let a = try attributes.insertionAxis(indicesRank: indexTensor.rank, node: node)
        var outShape = indexTensor.shape
        outShape.insert(depth, at: a)
        guard try OutputBudget.check(outShape, values.dtype, node: node) > 0 else { return [try Tensor(dtype: values.dtype, shape: outShape)] }
        let es = values.dtype.byteSize
        let out = try Tensor(dtype: values.dtype, shape: outShape)
        ElementFill.fill(out.rawPointer, count: out.count, with: values.rawPointer, elementSize: es)
        let outer = indexTensor.shape[..<a].reduce(1, *)
        let inner = indexTensor.shape[a...].reduce(1, *)
        let indices: [Int] = indexTensor.dtype.isInteger
            ? indexTensor.ints()
            : (0..<indexTensor.count).map { i in
                let v = indexTensor.doubleValue(at: i)
                return v.isFinite && abs(v) < Double(1 << 40) ? Int(v) : Int.max
            }
        for o in 0..<outer {
            for i in 0..<inner {
                var k = indices[o * inner + i]
                if k < 0 && k >= -depth { k += depth }
                guard k >= 0 && k < depth else { continue }
                (out.rawPointer + ((o * depth + k) * inner + i) * es).copyMemory(from: values.rawPointer + es, byteCount: es)
            }
        }
        return [out]
    }
}
