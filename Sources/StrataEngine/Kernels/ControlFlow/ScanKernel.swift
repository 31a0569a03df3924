import StrataCore

/// ONNX `Scan`: runs `body` once per slice of the scan inputs along their scan axes, passing the
/// state values from each iteration to the next; returns the final states, then each scan output
/// stacked along its scan axis.
///
/// Opset 9 and later: `scan_input_axes`, `scan_input_directions` (1 walks an input from its end),
/// `scan_output_axes`, `scan_output_directions` (1 stacks an output from its end). Opset 8: a first
/// `sequence_lens` input, a batch axis 0 on every value (the scan axis is 1) and `directions` for
/// the inputs; every batch entry runs on its own.
struct ScanKernel: Kernel {
    let body: SubgraphRunner
    let states: Int
    let scanInputs: Int
    let scanOutputs: Int
    let inputAxes: [Int]
    let inputDirections: [Int]
    let outputAxes: [Int]
    let outputDirections: [Int]
    /// Opset 8's batched form.
    let batched: Bool
    /// Node inputs before the implicit ones.
    let explicitInputs: Int

    init(_ ctx: KernelBuildContext) throws {
        let node = ctx.node
        let implicit = node.implicitInputs
        let graph = try node.requiredSubgraph("body")
        body = try SubgraphRunner(graph, attribute: "body", node: node, implicitInputs: implicit)
        batched = node.opset < 9
        explicitInputs = node.inputs.count - implicit.count
        let attributes = try node.typed(ScanAttributes.self)
        scanInputs = attributes.numScanInputs
        states = explicitInputs - (batched ? 1 : 0) - scanInputs
        guard scanInputs >= 1, states >= 0 else {
            throw node.attributeError("num_scan_inputs", "\(scanInputs) scan inputs do not fit the node's \(explicitInputs) inputs")
        }
        scanOutputs = graph.outputs.count - states
        guard graph.inputs.count == states + scanInputs, scanOutputs >= 0, node.outputs.count <= states + scanOutputs else {
            throw node.attributeError("body", "the body has \(graph.inputs.count) inputs and \(graph.outputs.count) outputs; "
                                      + "\(states) states and \(scanInputs) scan inputs need \(states + scanInputs) inputs and at least \(states) outputs")
        }
        func list(_ given: [Int]?, _ name: String, count: Int) throws -> [Int] {
            let given = given ?? []
            guard given.isEmpty || given.count == count else {
                throw node.attributeError(name, "expected \(count) values, found \(given.count)")
            }
            return given.isEmpty ? [Int](repeating: 0, count: count) : given
        }
        if batched {
            inputAxes = [Int](repeating: 0, count: scanInputs)
            inputDirections = try list(attributes.directions, "directions", count: scanInputs)
            outputAxes = [Int](repeating: 0, count: scanOutputs)
            outputDirections = [Int](repeating: 0, count: scanOutputs)
        } else {
            inputAxes = try list(attributes.inputAxes, "scan_input_axes", count: scanInputs)
            inputDirections = try list(attributes.inputDirections, "scan_input_directions", count: scanInputs)
            outputAxes = try list(attributes.outputAxes, "scan_output_axes", count: scanOutputs)
            outputDirections = try list(attributes.outputDirections, "scan_output_directions", count: scanOutputs)
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let first = batched ? 1 : 0
        let values: [Tensor] = try (first..<explicitInputs).map { i in
            guard let v = inputs[i] else { throw StrataError(.invalidInput, "input \(i) is missing") }
            return v
        }
        let outer = Array(inputs[explicitInputs...])
        guard batched else {
            return try scan(Array(values[..<states]), Array(values[states...]), outer: outer, context: context)
        }
        guard let batch = values.first?.shape.first, values.allSatisfy({ $0.rank >= 1 && $0.shape[0] == batch }) else {
            throw StrataError(.invalidInput, "every input needs the same batch size in its first axis")
        }
        if let lengths = inputs[0] {
            let full = values[states].rank >= 2 ? values[states].shape[1] : 0
            guard lengths.ints().allSatisfy({ $0 == full }) else {
                throw StrataError(.unsupported, "sequence_lens shorter than the scan axis are not supported")
            }
        }
        var perBatch: [[Tensor]] = []
        for b in 0..<batch {
            let slices = try values.map { try AxisStacking.slice($0, axis: 0, index: b) }
            perBatch.append(try scan(Array(slices[..<states]), Array(slices[states...]), outer: outer, context: context))
        }
        return try (0..<(states + scanOutputs)).map { i in
            let parts = perBatch.map { $0[i] }
            if let problem = parts.dropFirst().lazy.compactMap({ AxisStacking.mismatch($0, parts[0]) }).first {
                throw StrataError(.invalidModel, "output \(i) cannot be stacked over the batch: \(problem)", at: body.place)
            }
            return try AxisStacking.stack(parts, axis: 0)
        }
    }

    /// Opset 9's scan over `scanned` with initial `states`.
    private func scan(_ initial: [Tensor], _ scanned: [Tensor], outer: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        var axes: [Int] = []
        var length: Int?
        for (j, x) in scanned.enumerated() {
            let axis = inputAxes[j] < 0 ? inputAxes[j] + x.rank : inputAxes[j]
            guard (0..<x.rank).contains(axis) else {
                throw StrataError(.invalidInput, "scan input \(j) of rank \(x.rank) has no axis \(inputAxes[j])")
            }
            if let length, length != x.shape[axis] {
                throw StrataError(.invalidInput, "scan inputs differ in length along their scan axes (\(length) and \(x.shape[axis]))")
            }
            length = x.shape[axis]
            axes.append(axis)
        }
        let steps = length ?? 0
        var states = initial
        var gathered = [[Tensor]](repeating: [], count: scanOutputs)
        for t in 0..<steps {
            let slices = try scanned.enumerated().map { j, x in
                try AxisStacking.slice(x, axis: axes[j], index: inputDirections[j] == 1 ? steps - 1 - t : t)
            }
            let outputs = try body.run(states + slices, outer: outer, iteration: t, context: context)
            for i in 0..<self.states {
                guard outputs[i].dtype == states[i].dtype else {
                    throw StrataError(.invalidModel, "state \(i) starts as \(states[i].dtype.rawValue) and the body makes it "
                                      + "\(outputs[i].dtype.rawValue)", at: body.place)
                }
                states[i] = outputs[i]
            }
            for k in 0..<scanOutputs {
                let value = outputs[self.states + k]
                if let previous = gathered[k].first, let problem = AxisStacking.mismatch(value, previous) {
                    throw StrataError(.invalidModel, "scan output \(k) cannot be stacked: \(problem)", at: body.place)
                }
                gathered[k].append(value)
            }
        }
        var results = states
        for k in 0..<scanOutputs {
            guard let part = gathered[k].first else {
                let declared = body.body.outputs[self.states + k].type
                let dims = declared?.shape?.compactMap(\.value) ?? []
                let known = dims.count == declared?.shape?.count
                results.append(try Tensor(dtype: declared?.dtype ?? .float32, shape: known ? [0] + dims : [0]))
                continue
            }
            let axis = outputAxes[k] < 0 ? outputAxes[k] + part.rank + 1 : outputAxes[k]
            guard (0...part.rank).contains(axis) else {
                throw StrataError(.invalidInput, "scan output \(k) of rank \(part.rank + 1) has no axis \(outputAxes[k])")
            }
            results.append(try AxisStacking.stack(gathered[k], axis: axis, reversed: outputDirections[k] == 1))
            gathered[k] = []
        }
        return results
    }
}
