import StrataCore

extension EinsumKernel: DifferentiableKernel {
    /// Operand `k`'s gradient reads every other operand.
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        var inputs = Set<Int>()
        for (k, w) in wanted.enumerated() where w {
            inputs.formUnion(wanted.indices.filter { $0 != k })
        }
        return SavedValues(inputs: inputs)
    }

    /// Operand `k`'s gradient is itself an Einsum: the output's gradient (with the output's labels)
    /// contracted with the other operands onto `k`'s labels, as torch.einsum's autograd gives it. Then,
    /// on `k`'s own shape: a label `k` repeats (a diagonal) gets the value on the diagonal and zero
    /// off it; a label of `k` alone, summed in the forward pass, gets the value broadcast along it; a
    /// size-1 axis `k` broadcast against a larger one gets the sum along that label.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let count = node.inputs.count
        let shapes = (0 ..< count).map { step.shape($0) }
        let (labels, output) = try equation.labels(ranks: shapes.map(\.count), node: node)
        var sizes: [Int: Int] = [:]
        for (shape, ls) in zip(shapes, labels) {
            for (label, size) in zip(ls, shape) { sizes[label] = Swift.max(sizes[label] ?? 1, size) }
        }
        let g = step.gradient
        try GradientMath.requireFloat32([g], node)
        var result = [Tensor?](repeating: nil, count: count)
        for k in 0 ..< count where step.wants(k) {
            let others = (0 ..< count).filter { $0 != k }
            try GradientMath.requireFloat32(others.map { step.input($0) }, node)
            var terms = [LabeledArray<Float>(tensor: g, labels: output)]
            terms += others.map { LabeledArray<Float>(tensor: step.input($0), labels: labels[$0]) }
            var own: [Int] = []
            for l in labels[k] where !own.contains(l) { own.append(l) }
            let available = Set(terms.flatMap(\.labels))
            // Labels of k where k's axis is 1 and the forward broadcast it: their gradient is summed away.
            let broadcast = Set(own.filter { l in
                let axis = labels[k].firstIndex(of: l)!
                return shapes[k][axis] == 1 && sizes[l]! > 1
            })
            let target = own.filter { available.contains($0) && !broadcast.contains($0) }
            let partial = try contract(terms, onto: target, sizes: sizes)
            result[k] = try scatter(partial, labels: target, onto: labels[k], shape: shapes[k])
        }
        return result
    }

    /// The Einsum of `terms` with output labels `target`, contracted as the forward pass does.
    private func contract(_ terms: [LabeledArray<Float>], onto target: [Int], sizes: [Int: Int]) throws -> LabeledArray<Float> {
        var terms = terms
        for i in terms.indices {
            let elsewhere = Set(terms[(i + 1)...].flatMap(\.labels) + terms[..<i].flatMap(\.labels) + target)
            terms[i] = terms[i].diagonal().summing(keeping: elsewhere)
        }
        var product = terms[0]
        for i in terms.indices.dropFirst() {
            let needed = Set(terms[(i + 1)...].flatMap(\.labels) + target)
            product = try LabeledArray.contract(product.summing(keeping: needed.union(terms[i].labels)), terms[i],
                                                keeping: needed, sizes: sizes, node: node)
        }
        return try product.summing(keeping: Set(target)).arranged(target, sizes: sizes, node: node)
    }

    /// A tensor of `shape` whose axes carry `axisLabels`: at each position the value of `partial`
    /// (axes `labels`) at that position's labels, zero where a repeated label has unequal indices.
    private func scatter(_ partial: LabeledArray<Float>, labels: [Int], onto axisLabels: [Int], shape: [Int]) throws -> Tensor {
        let out = try GradientMath.zeros(shape)
        let total = shape.elementCount
        guard total > 0 else { return out }
        var partialStride = [Int](repeating: 0, count: shape.count)
        var stride = 1
        for (i, l) in labels.enumerated().reversed() {
            // Only the first axis carrying a label steps through `partial`; repeats must match it.
            if let axis = axisLabels.firstIndex(of: l) { partialStride[axis] = stride }
            stride *= partial.shape[i]
        }
        let firstAxis = axisLabels.map { l in axisLabels.firstIndex(of: l)! }
        let y = out.pointer(as: Float.self)
        var index = [Int](repeating: 0, count: shape.count)
        for flat in 0 ..< total {
            var offset = 0
            var onDiagonal = true
            for axis in shape.indices {
                if firstAxis[axis] != axis, index[axis] != index[firstAxis[axis]] {
                    onDiagonal = false
                    break
                }
                offset += index[axis] * partialStride[axis]
            }
            if onDiagonal { y[flat] = partial.values[offset] }
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }
}
