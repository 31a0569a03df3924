import StrataCore

extension Engine {
    /// Runs the model forward and then backward: the gradient of the request's score with respect
    /// to each `withRespectTo` tensor (see `GradientRequest` for what is scored).
    ///
    /// The forward pass keeps only the requested tensors, the scored output and the values the
    /// backward rules read; the backward pass runs the rules of the nodes between the requested
    /// tensors and the score, in reverse order, adding the gradients of values read more than once,
    /// and frees each gradient and saved value after its last use. Gradients are float32.
    /// Errors: an unknown tensor name, a target index outside a row, an op without a backward
    /// rule on the path (naming the op, the node and the tensor), a non-float32 value on the path.
    public func gradients(inputs: [String: Tensor], request: GradientRequest) throws -> GradientRun {
        let graph = self.graph
        guard let output = request.output ?? graph.outputs.first?.name else {
            throw StrataError(.invalidInput, "the model has no output to differentiate")
        }
        try requireTensor(output)
        for name in request.withRespectTo { try requireTensor(name) }
        let softmax = finalSoftmax(of: output)
        let softmaxOutput = softmax?.output
        let scored = request.differentiateProbability ? output : softmax?.input ?? output
        let respectTo = request.withRespectTo.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let isConstant: (String) -> Bool = { [constants] name in constants[name] != nil }
        let chains = Dictionary(uniqueKeysWithValues: respectTo.compactMap { name in relabelChain(of: name).map { (name, $0) } })
        var differentiated = respectTo
        for chain in chains.values where !differentiated.contains(chain.root) { differentiated.append(chain.root) }
        let plan = try BackwardPlan(graph: graph, order: order, producers: producers, kernels: kernels, score: scored,
                                    respectTo: differentiated, isConstant: isConstant)

        var targets = differentiated
        let softmaxValues = softmax.map { [$0.input, $0.output] } ?? []
        for name in [scored, output] + softmaxValues + plan.keep.keys.sorted() where !targets.contains(name) {
            targets.append(name)
        }
        var values: [String: Tensor] = [:]
        var seen: [String: (shape: [Int], dtype: DType)] = [:]
        try execute(inputs: inputs, capture: try captureRows(for: targets), progress: nil, timing: nil,
                    observe: { name, value in if plan.flowing.contains(name) { seen[name] = (value.shape, value.dtype) } },
                    asWritten: true,
                    onCapture: { row, value in values[row.tensor] = try Engine.tensor(value, of: row) })
        for (name, value) in values where plan.flowing.contains(name) { seen[name] = (value.shape, value.dtype) }

        guard let scoreValue = values[scored] else { throw StrataError(.invalidInput, "no value for '\(scored)'") }
        guard scoreValue.dtype == .float32 else {
            throw StrataError(.unsupported, "the scored tensor '\(scored)' has dtype \(scoreValue.dtype.rawValue); gradients need float32")
        }
        let (indices, scores, seed) = try Engine.seed(scoreValue, target: request.target, tensor: scored)

        var gradients: [String: Tensor] = [scored: seed]
        let kept = Set(differentiated)
        var uses = plan.keep
        func valueOf(_ name: String) -> Tensor? { values[name] ?? constants[name] }
        func release(_ name: String) {
            guard let n = uses[name] else { return }
            uses[name] = n - 1
            if n == 1, !kept.contains(name), name != scored, name != output, !softmaxValues.contains(name) { values[name] = nil }
        }
        func notFloat(_ name: String, _ dtype: DType, _ node: Node) -> StrataError {
            StrataError(.unsupported, "'\(name)' has dtype \(dtype.rawValue) on the gradient path; gradients are computed in float32",
                        at: node.location)
        }

        for index in plan.nodes.reversed() {
            let node = graph.nodes[index]
            let outputGradients: [Tensor?] = node.outputs.map { name in
                name.isEmpty ? nil : (kept.contains(name) ? gradients[name] : gradients.removeValue(forKey: name))
            }
            let saved = plan.saved[index]!
            defer {
                for i in saved.inputs where i < node.inputs.count { release(node.inputs[i]) }
                for i in saved.outputs where i < node.outputs.count { release(node.outputs[i]) }
            }
            guard outputGradients.contains(where: { $0 != nil }) else { continue }
            var wanted = plan.wanted[index]!
            for (name, g) in zip(node.outputs, outputGradients) where g != nil {
                if let dtype = seen[name]?.dtype, dtype != .float32 { throw notFloat(name, dtype, node) }
            }
            // Integer and boolean values (shapes, indices, masks) carry no gradient.
            for (i, name) in node.inputs.enumerated() where wanted[i] {
                guard let dtype = seen[name]?.dtype, dtype != .float32 else { continue }
                if !dtype.isFloatingPoint { wanted[i] = false } else { throw notFloat(name, dtype, node) }
            }
            guard wanted.contains(true) else { continue }
            let fallbackShape = outputGradients.compactMap { $0 }.first!.shape
            let step = BackwardStep(
                inputs: node.inputs.enumerated().map { i, name in saved.inputs.contains(i) && !name.isEmpty ? valueOf(name) : nil },
                inputShapes: node.inputs.map { name in
                    // Values inside a fused chain are never computed; those chains are elementwise,
                    // so such a value has its consumer's output shape.
                    name.isEmpty ? nil : valueOf(name)?.shape ?? seen[name]?.shape ?? fallbackShape
                },
                outputs: node.outputs.enumerated().map { i, name in saved.outputs.contains(i) && !name.isEmpty ? values[name] : nil },
                gradients: outputGradients, wanted: wanted, node: node)
            let inputGradients: [Tensor?]
            do {
                inputGradients = try (kernels[index] as! any DifferentiableKernel).backward(step, context: context)
            } catch {
                throw error.strata(at: node.location)
            }
            for (i, name) in node.inputs.enumerated() where wanted[i] {
                guard i < inputGradients.count, let g = inputGradients[i] else { continue }
                if let shape = step.inputShapes[i], g.count != shape.elementCount || g.dtype != .float32 {
                    throw StrataError(.invalidModel, "the backward rule gave a gradient of shape \(g.shape) for '\(name)' of shape \(shape)",
                                      at: node.location)
                }
                let shaped = step.inputShapes[i].map { g.shape == $0 ? g : g.reshaped($0) } ?? g
                gradients[name] = try gradients[name].map { try GradientMath.add($0, shaped, context: context) } ?? shaped
            }
        }

        var activations: [String: Tensor] = [:]
        var result: [String: Tensor] = [:]
        for name in respectTo {
            guard let value = values[name] ?? constants[name] else { continue }
            activations[name] = value
            if let chain = chains[name], let rootValue = values[chain.root] ?? constants[chain.root] {
                var g = try gradients[chain.root] ?? GradientMath.zeros(rootValue.shape)
                for index in chain.nodes {
                    let node = graph.nodes[index]
                    if node.opType == "Transpose" {
                        g = try kernels[index].run([g], context: context)[0]
                    } else if let shape = seen[node.outputs[0]]?.shape ?? values[node.outputs[0]]?.shape {
                        g = g.reshaped(shape)
                    }
                }
                result[name] = g.shape == value.shape ? g : g.reshaped(value.shape)
            } else {
                result[name] = try gradients[name] ?? GradientMath.zeros(value.shape)
            }
        }
        return GradientRun(activations: activations, gradients: result, output: output, scoredTensor: scored,
                           targetIndices: indices, scores: scores, outputValue: values[output]!,
                           logits: softmax.flatMap { values[$0.input] },
                           probabilities: softmaxOutput.flatMap { values[$0] },
                           differentiatesProbability: softmax != nil && request.differentiateProbability)
    }

    /// Ops whose output holds exactly their first input's elements, relabelled.
    static let relabellingOps: Set<String> = ["Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"]

    /// When `name` is a layout copy the Keras importer made of a layer's activation (the NHWC
    /// value computed from the layer's own NCHW result by relabelling ops, all nodes named in the
    /// layer's scope `<layer>/…`), that NCHW value and the ops from it to `name`, in order; nil
    /// otherwise. Both hold the same activation, so `name`'s gradient is the root's, relabelled the
    /// same way: the root's gradient includes the uses of either (through the relabelling ops' own
    /// backward rules), while the copy itself often feeds nothing on the way to the score.
    func relabelChain(of name: String) -> (root: String, nodes: [Int])? {
        guard model.format != .onnx else { return nil }
        let graph = self.graph
        func scope(_ node: Node) -> Substring? {
            node.name.lastIndex(of: "/").map { node.name[..<$0] }
        }
        var current = name
        var nodes: [Int] = []
        while let p = producers[current], Engine.relabellingOps.contains(graph.nodes[p].opType),
              graph.nodes[p].outputs.first == current,
              let input = graph.nodes[p].inputs.first, !input.isEmpty, constants[input] == nil {
            nodes.insert(p, at: 0)
            current = input
        }
        guard let first = nodes.first, let layer = scope(graph.nodes[first]), let root = producers[current],
              scope(graph.nodes[root]) == layer, nodes.allSatisfy({ scope(graph.nodes[$0]) == layer }) else { return nil }
        return (current, nodes)
    }

    /// The Softmax whose output `name` is, looking through `Identity` and `Dropout`; nil when none.
    func finalSoftmax(of name: String) -> (input: String, output: String)? {
        var current = name
        while let p = producers[current] {
            let node = graph.nodes[p]
            switch node.opType {
            case "Identity", "Dropout":
                guard let next = node.inputs.first, !next.isEmpty else { return nil }
                current = next
            case "Softmax":
                guard let input = node.inputs.first, !input.isEmpty else { return nil }
                return (input, current)
            default:
                return nil
            }
        }
        return nil
    }

    private func requireTensor(_ name: String) throws {
        let graph = self.graph
        guard producers[name] != nil || graph.initializers[name] != nil || graph.inputs.contains(where: { $0.name == name }) else {
            throw StrataError(.invalidInput, "no tensor named '\(name)' in the graph")
        }
    }

    /// The per-row target indices and scores of `score`, and the gradient that starts the backward
    /// pass: 1 at each row's target, 0 elsewhere. Rows are the first axis (one row for a scalar).
    static func seed(_ score: Tensor, target: GradientTarget, tensor: String) throws -> ([Int], [Float], Tensor) {
        let rows = score.rank == 0 ? 1 : score.shape[0]
        guard rows > 0, score.count > 0 else {
            throw StrataError(.invalidInput, "the scored tensor '\(tensor)' is empty (shape \(score.shape))")
        }
        let width = score.count / rows
        let values = score.pointer(as: Float.self)
        let seed = try GradientMath.zeros(score.shape)
        var indices: [Int] = [], scores: [Float] = []
        for r in 0..<rows {
            let row = values + r * width
            let index: Int
            switch target {
            case .top:
                var best = 0
                for j in 1..<max(width, 1) where row[j] > row[best] { best = j }
                index = best
            case .index(let i):
                guard i >= 0 && i < width else {
                    throw StrataError(.invalidInput, "target index \(i) is outside '\(tensor)', which has \(width) values per row (shape \(score.shape))")
                }
                index = i
            }
            indices.append(index)
            scores.append(row[index])
            seed.pointer(as: Float.self)[r * width + index] = 1
        }
        return (indices, scores, seed)
    }
}
