import StrataCore

/// ONNX `Loop` (opsets 1 to 24; loop-carried values may be sequences or optionals): runs `body` while the iteration count is below
/// the trip count `M` (when given) and the condition is true (when given), passing the
/// loop-carried values from each iteration to the next. Returns the final loop-carried values,
/// then each scan output: the body's per-iteration values stacked along a new first axis.
///
/// Bounds: a trip count above `maximumIterations` (`IterationLimit`, `--max-iterations`, unless the
/// kernel was built with its own) is refused before the first iteration, and a loop without one
/// stops with an error when it reaches that many iterations (a condition that never turns false
/// would otherwise never end); every per-iteration value
/// kept for a scan output counts against `MemoryLimit` (`--max-memory`) as it is made, so a trip
/// count whose results would not fit fails at the iteration that crosses the limit.
struct LoopKernel: ValueKernel {
    let body: SubgraphRunner
    /// Loop-carried values (N) and scan outputs (K).
    let carried: Int
    let scans: Int
    /// Node inputs before the implicit ones: M, cond, then the N initial values.
    let explicitInputs: Int

    /// The most iterations this loop may run; nil: `IterationLimit`'s, read when the loop runs.
    let iterationLimit: Int?
    var maximumIterations: Int { iterationLimit ?? IterationLimit.iterations }

    init(_ ctx: KernelBuildContext, maximumIterations: Int? = nil) throws {
        self.iterationLimit = maximumIterations
        let node = ctx.node
        let implicit = node.implicitInputs
        let graph = try node.requiredSubgraph("body")
        body = try SubgraphRunner(graph, attribute: "body", node: node, implicitInputs: implicit)
        explicitInputs = node.inputs.count - implicit.count
        carried = explicitInputs - 2
        guard carried >= 0, graph.inputs.count == carried + 2, graph.outputs.count >= carried + 1 else {
            throw node.attributeError("body", "the body has \(graph.inputs.count) inputs and \(graph.outputs.count) outputs; "
                                      + "\(carried) loop-carried values need \(carried + 2) inputs and at least \(carried + 1) outputs")
        }
        scans = graph.outputs.count - carried - 1
        guard node.outputs.count <= carried + scans else {
            throw node.error("the node has \(node.outputs.count) outputs; the body gives \(carried) loop-carried values and \(scans) scan outputs")
        }
    }

    func run(values inputs: [Value?], context: ExecutionContext) throws -> [Value] {
        func tensor(_ i: Int, _ what: String) throws -> Tensor? {
            guard let value = inputs[i] else { return nil }
            guard case .tensor(let t) = value else { throw StrataError(.invalidInput, "\(what) must be a tensor; it is \(value.type)") }
            return t
        }
        var tripCount = Int.max
        let maximumIterations = self.maximumIterations
        if let m = try tensor(0, "the trip count M") {
            guard m.count == 1 else { throw StrataError(.invalidInput, "the trip count M must hold one value; it is \(m.type)") }
            tripCount = m.intValue(at: 0)
            guard tripCount <= maximumIterations else {
                throw StrataError(.invalidInput, "the trip count \(tripCount) is above the \(maximumIterations) iterations Strata runs "
                                  + "(--max-iterations raises the limit)")
            }
        }
        var condition = true
        if let c = try tensor(1, "the condition") {
            guard c.count == 1 else { throw StrataError(.invalidInput, "the condition must hold one value; it is \(c.type)") }
            condition = c.doubleValue(at: 0) != 0
        }
        var values: [Value] = try (0..<carried).map { i in
            guard let v = inputs[2 + i] else { throw StrataError(.invalidInput, "loop-carried value \(i) is absent") }
            return v
        }
        let outer = Array(inputs[explicitInputs...])
        var gathered = [[Tensor]](repeating: [], count: scans)
        var iteration = 0
        while condition && iteration < tripCount {
            guard iteration < maximumIterations else {
                throw StrataError(.invalidInput, "the loop ran \(maximumIterations) iterations without ending "
                                  + "(the most Strata runs; --max-iterations raises the limit)")
            }
            let feeds: [Value] = [.tensor(Tensor([Int64(iteration)], shape: [])), .tensor(Tensor([condition], shape: []))] + values
            let outputs = try body.run(values: feeds, outer: outer, iteration: iteration, context: context)
            guard case .tensor(let c) = outputs[0], c.count == 1 else {
                throw StrataError(.invalidModel, "the body's condition output must be a tensor holding one value; it is \(outputs[0].type)",
                                  at: body.place)
            }
            condition = c.doubleValue(at: 0) != 0
            for i in 0..<carried {
                // The dtype must stay; an optional may become the sequence it holds (onnx's
                // test_loop16_seq_none), so the kind is not compared.
                let before = values[i].type, after = outputs[1 + i].type
                guard after.dtype == before.dtype, after.isTensor == before.isTensor else {
                    throw StrataError(.invalidModel, "loop-carried value \(i) starts as \(before.kindDescription) and the body makes it "
                                      + "\(after.kindDescription)", at: body.place)
                }
                values[i] = outputs[1 + i]
            }
            for k in 0..<scans {
                guard case .tensor(let value) = outputs[1 + carried + k] else {
                    throw StrataError(.unsupported, "scan output \(k) is \(outputs[1 + carried + k].type); scan outputs are tensors",
                                      at: body.place)
                }
                if let previous = gathered[k].first, let problem = AxisStacking.mismatch(value, previous) {
                    throw StrataError(.invalidModel, "scan output \(k) cannot be stacked: \(problem)", at: body.place)
                }
                gathered[k].append(value)
            }
            iteration += 1
        }
        var results = values
        for k in 0..<scans {
            if gathered[k].isEmpty {
                let declared = body.body.outputs[1 + carried + k].type
                let dims = declared?.shape?.compactMap(\.value)
                let shape = dims.flatMap { $0.count == declared?.shape?.count ? [0] + $0 : nil } ?? [0]
                results.append(.tensor(try Tensor(dtype: declared?.dtype ?? .float32, shape: shape)))
            } else {
                results.append(.tensor(try AxisStacking.stack(gathered[k], axis: 0)))
                gathered[k] = []
            }
        }
        return results
    }
}
