import Dispatch
import StrataCore

extension Engine {
    /// Runs only the nodes needed for `capture`, calling `onCapture` for each row as soon as its
    /// tensor is computed (rows whose tensor is a constant or an input come first). The engine
    /// keeps no reference to a captured tensor that no later node reads. `progress(done, total)`
    /// is called after each node. `timing(node index, seconds)` is called after each node that
    /// ran, with its kernel's wall time (a fused group's time goes to its head node).
    /// A captured row whose value is a sequence or an optional is an error here (see
    /// `run(values:capture:…)`).
    public func run(inputs: [String: Tensor], capture: [LayerOutput],
                    progress: ((Int, Int) -> Void)? = nil,
                    timing: ((Int, Double) -> Void)? = nil,
                    onCapture: (LayerOutput, Tensor) throws -> Void) throws {
        try execute(inputs: inputs, capture: capture, progress: progress, timing: timing, observe: nil,
                    onCapture: { row, value in try onCapture(row, try Engine.tensor(value, of: row)) })
    }

    /// `run(inputs:capture:…)` for models whose inputs or captured values may be sequences or
    /// optionals: `values` holds every input given (tensors included), and each row's value is
    /// handed over as it is. A graph input of optional type that is not given is an empty optional.
    public func run(values: [String: Value], capture: [LayerOutput],
                    progress: ((Int, Int) -> Void)? = nil,
                    timing: ((Int, Double) -> Void)? = nil,
                    onCapture: (LayerOutput, Value) throws -> Void) throws {
        var tensors: [String: Tensor] = [:], others: [String: Value] = [:]
        for (name, value) in values {
            if case .tensor(let t) = value { tensors[name] = t } else { others[name] = value }
        }
        try execute(inputs: tensors, containerInputs: others, capture: capture, progress: progress, timing: timing,
                    observe: nil, onCapture: onCapture)
    }

    /// The tensor `value` holds, for callers that take tensors only.
    static func tensor(_ value: Value, of row: LayerOutput) throws -> Tensor {
        guard case .tensor(let t) = value else {
            throw StrataError(.unsupported, "'\(row.tensor)' is \(value.type), not a tensor; this command takes tensors only")
        }
        return t
    }

    /// `run(inputs:capture:…)`, also calling `observe(name, value)` for every value a node computes
    /// (values inside a fused chain are never computed, so never observed).
    ///
    /// Rows may name tensors inside subgraphs: the node holding the subgraph runs, its kernel
    /// reports the tensor each time the body computes it, and the row is captured after the run
    /// (see `LayerOutput.iterations`). `inheritedSink` is the sink of the enclosing run when this
    /// engine runs a body.
    ///
    /// Sequences and optionals (`containerInputs`, and what sequence ops, control flow and Identity
    /// on them compute) live in a table of their own, so that nodes on tensors run as before: only
    /// nodes whose kernel is a `ValueKernel` read it.
    ///
    /// `asWritten` runs the graph as the model writes it (`graph`, for gradient runs) instead of
    /// `forwardGraph`.
    func execute(inputs: [String: Tensor], containerInputs: [String: Value] = [:], capture: [LayerOutput],
                 progress: ((Int, Int) -> Void)?, timing: ((Int, Double) -> Void)?,
                 observe: ((String, Tensor) -> Void)?,
                 inheritedSink: BodyCaptureSink? = nil, asWritten: Bool = false,
                 onCapture deliver: (LayerOutput, Value) throws -> Void) throws {
        let (graph, kernels) = asWritten ? (self.graph, self.kernels) : (forwardGraph, forwardKernels)
        let (feeds, containerFeeds) = try validatedInputs(inputs, containers: containerInputs)
        let known: (String) -> Tensor? = { [constants] name in feeds[name] ?? constants[name] }
        var rowsByTensor: [String: [LayerOutput]] = [:]
        var targets: [String] = []
        var bodyRows: [LayerOutput] = []
        func target(_ name: String) {
            if rowsByTensor[name] == nil && !targets.contains(name) { targets.append(name) }
        }
        func runOwner(of name: String) {
            guard let owner = bodyTensors[name], let out = graph.nodes[owner.node].outputs.first(where: { !$0.isEmpty }) else { return }
            target(out)
        }
        for row in capture {
            if producers[row.tensor] == nil && known(row.tensor) == nil && containerFeeds[row.tensor] == nil
                && bodyTensors[row.tensor] != nil {
                bodyRows.append(row)
                continue
            }
            if rowsByTensor[row.tensor] == nil { targets.append(row.tensor) }
            rowsByTensor[row.tensor, default: []].append(row)
        }
        let sink = inheritedSink ?? (bodyRows.isEmpty ? nil : BodyCaptureSink(names: Set(bodyRows.map(\.tensor))))
        // This graph's own tensors that an enclosing run captures, reported to its sink.
        var reported = Set<String>()
        if let sink {
            for name in sink.names.sorted() {
                if producers[name] != nil {
                    reported.insert(name)
                    target(name)
                } else {
                    runOwner(of: name)
                }
            }
        }
        let (plan, fusion, releases, bindings, planChoice) = try plans(for: targets, asWritten: asWritten,
                                                                       available: { known($0) != nil || containerFeeds[$0] != nil })
        // Subgraph engines choose nothing (`SubgraphRunner`); a run reporting to an enclosing run's
        // sink is a body's too.
        let choice = inheritedSink == nil ? planChoice : nil
        let shapes = choice == nil ? [] : feeds.keys.sorted().map { feeds[$0]!.shape }
        let turn = choice?.begin(shapes: shapes)
        var runContext = turn.map { $0.threads < context.threads ? ExecutionContext(threads: $0.threads) : context } ?? context
        runContext.bodyCapture = sink
        // The run's time for the choice leaves out what the caller does in its callbacks.
        let runStarted = DispatchTime.now().uptimeNanoseconds
        var inCallbacks: UInt64 = 0
        var completed = false
        func callback<T>(_ body: () throws -> T) rethrows -> T {
            guard turn?.timed == true else { return try body() }
            let start = DispatchTime.now().uptimeNanoseconds
            defer { inCallbacks &+= DispatchTime.now().uptimeNanoseconds &- start }
            return try body()
        }
        func onCapture(_ row: LayerOutput, _ value: Value) throws { try callback { try deliver(row, value) } }
        let observe = observe.map { observe in { (name: String, value: Tensor) in callback { observe(name, value) } } }
        let progress = progress.map { progress in { (done: Int, total: Int) in callback { progress(done, total) } } }
        defer {
            // A run that failed part way took a time that says nothing about its thread count.
            if let choice, let turn, completed {
                let elapsed = DispatchTime.now().uptimeNanoseconds &- runStarted
                choice.end(shapes: shapes, threads: turn.threads, seconds: Double(elapsed &- Swift.min(elapsed, inCallbacks)) / 1e9)
            }
        }
        for name in targets {
            if let value = containerFeeds[name] {
                for row in rowsByTensor[name] ?? [] { try onCapture(row, value) }
                continue
            }
            guard let value = known(name) else { continue }
            if reported.contains(name) { sink?.append(name, value) }
            for row in rowsByTensor[name] ?? [] { try onCapture(row, .tensor(value)) }
        }
        var values: [String: Tensor] = [:]
        var containers: [String: Value] = [:]
        // Results of fused groups, by tail node, from the head's step until the tail's.
        var fusedResults: [Int: Tensor] = [:]
        var fusedHeads = Set<Int>()
        for (step, index) in plan.steps.enumerated() {
            defer { progress?(step + 1, plan.steps.count) }
            if let head = fusion.elidedBy[index], fusedHeads.contains(head) || fusion.groups[head]?.quantized != nil {
                for name in releases[step] { values[name] = nil }
                continue
            }
            let node = graph.nodes[index]
            if let valueKernel = valueKernels[index] {
                try runValueNode(node, valueKernel, context: runContext, values: &values, containers: &containers,
                                 known: { known($0).map(Value.tensor) ?? containerFeeds[$0] },
                                 consumed: { plan.consumed.contains($0) },
                                 wanted: { plan.consumed.contains($0) || rowsByTensor[$0] != nil || reported.contains($0) },
                                 report: { name, value in
                                     if reported.contains(name), case .tensor(let t) = value { sink?.append(name, t) }
                                     if let observe, case .tensor(let t) = value { observe(name, t) }
                                     for row in rowsByTensor[name] ?? [] { try onCapture(row, value) }
                                 },
                                 timing: timing.map { t in { t(index, $0) } })
                for name in releases[step] {
                    values[name] = nil
                    containers[name] = nil
                }
                continue
            }
            var arguments: [Tensor?] = []
            arguments.reserveCapacity(node.inputs.count)
            let constantInputs = bindings.constantInputs[step]
            for (j, name) in node.inputs.enumerated() {
                if let constant = constantInputs[j] {
                    arguments.append(constant)
                } else {
                    arguments.append(name.isEmpty ? nil : values[name] ?? known(name))
                }
            }
            let outputs: [Tensor]
            let started = timing == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            defer { if let timing { timing(index, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9) } }
            do {
                if let fused = fusedResults.removeValue(forKey: index) {
                    outputs = [fused]
                } else if let group = fusion.groups[index], let quantized = group.quantized {
                    let y = try quantized.run(value: { values[$0] ?? known($0) }, context: runContext)
                    if group.tail == index {
                        outputs = [y]
                    } else {
                        fusedResults[group.tail] = y
                        fusedHeads.insert(index)
                        for name in releases[step] { values[name] = nil }
                        continue
                    }
                } else if let group = fusion.groups[index],
                          let fused = try runFused(group, arguments, graph: graph, kernels: kernels, value: { values[$0] ?? known($0) },
                                                   context: runContext) {
                    fusedResults[group.tail] = fused
                    fusedHeads.insert(index)
                    for name in releases[step] { values[name] = nil }
                    continue
                } else {
                    outputs = try kernels[index].run(arguments, context: runContext)
                }
            } catch {
                throw error.strata(at: node.location)
            }
            arguments.removeAll()
            let consumedOutputs = bindings.consumedOutputs[step]
            for (i, name) in node.outputs.enumerated() where !name.isEmpty {
                if let observe, i < outputs.count { observe(name, outputs[i]) }
                let consumed = consumedOutputs[i]
                let rows = rowsByTensor.isEmpty ? nil : rowsByTensor[name]
                let report = !reported.isEmpty && reported.contains(name)
                guard consumed || rows != nil || report else { continue }
                guard i < outputs.count else {
                    throw StrataError(.invalidModel, "the kernel produced no value for output '\(name)'", at: node.location)
                }
                if report { sink?.append(name, outputs[i]) }
                if consumed { values[name] = outputs[i] }
                for row in rows ?? [] { try onCapture(row, .tensor(outputs[i])) }
            }
            for name in releases[step] { values[name] = nil }
            if !containers.isEmpty {
                for name in releases[step] { containers[name] = nil }
            }
        }
        guard let sink, inheritedSink == nil else {
            completed = true
            return
        }
        for row in bodyRows {
            let computed = sink.take(row.tensor)
            guard let first = computed.first else { continue }  // an If branch that did not run
            guard bodyTensors[row.tensor]?.iterated == true else {
                try onCapture(row, .tensor(computed[computed.count - 1]))
                continue
            }
            var stacked = row
            stacked.iterations = computed.count
            if computed.allSatisfy({ $0.dtype == first.dtype && $0.shape == first.shape }) {
                try onCapture(stacked, .tensor(try AxisStacking.stack(computed, axis: 0)))
            } else {
                for (i, value) in computed.enumerated() {
                    var single = stacked
                    single.iteration = i
                    try onCapture(single, .tensor(value))
                }
            }
        }
        completed = true
    }

    /// The execution and fusion plans for `targets`. Every run feeds the same inputs (given or
    /// defaulted), so the plans depend on the targets alone; the last pair is reused, which spares
    /// repeated runs (`bench`, a loop over images) a walk over the whole graph each.
    private func plans(for targets: [String], asWritten: Bool, available: (String) -> Bool) throws
        -> (ExecutionPlan, FusionPlan, [[String]], StepBindings, PoolChoice?) {
        if let cached = lastPlans.withLock({ $0 }), cached.targets == targets, cached.asWritten == asWritten {
            return (cached.plan, cached.fusion, cached.releases, cached.bindings, cached.choice)
        }
        let (graph, kernels) = asWritten ? (self.graph, self.kernels) : (forwardGraph, forwardKernels)
        let plan = try ExecutionPlan(graph: graph, order: order, producers: producers, targets: targets, available: available)
        let fusion = options.fusion
            ? FusionPlan(graph: graph, steps: plan.steps, targets: Set(targets), kernels: kernels,
                         constant: { [constants] in constants[$0] })
            : .none
        let releases = fusion.releases(adjusting: plan.releases)
        let bindings = StepBindings(graph: graph, plan: plan, constants: constants, producers: producers)
        let choice = context.threads > 1 && options.choosesThreads ? PoolChoice(threads: context.threads) : nil
        lastPlans.withLock {
            $0 = CachedPlans(targets: targets, asWritten: asWritten, plan: plan, fusion: fusion, releases: releases, bindings: bindings, choice: choice)
        }
        return (plan, fusion, releases, bindings, choice)
    }

    /// The tail output of `group` computed by its head's step, or nil when this call cannot fuse
    /// (the nodes then run one by one).
    private func runFused(_ group: FusionPlan.Group, _ arguments: [Tensor?], graph: Graph, kernels: [any Kernel],
                          value: (String) -> Tensor?, context: ExecutionContext) throws -> Tensor? {
        if let bias = group.columnBias {
            guard let kernel = kernels[group.head] as? MatMulKernel else { return nil }
            return try kernel.run(arguments, columnBias: bias, context: context)
        }
        if let residual = group.residual {
            // Without the residual's value, or with shapes that broadcast, the nodes run one by one.
            guard let r = value(residual.residual), r.dtype == .float32, let kernel = kernels[group.head] as? any ActivationFusing,
                  arguments.first??.dtype == .float32, let y = try kernel.run(arguments, activation: nil, context: context)?.first,
                  residual.fits(y, r), group.affine.map({ $0.fits(y) }) ?? true else { return nil }
            group.affine?.apply(to: y, activation: nil, context: context)
            residual.apply(to: y, r, activation: group.activation, context: context)
            return y
        }
        // Before the affine alone: a pair's expansion may carry one (Keras' batch normalizations).
        if let pair = group.depthwise {
            guard let pointwise = kernels[group.head] as? ConvKernel, let depthwise = kernels[pair.depthwise] as? ConvKernel else { return nil }
            let second = graph.nodes[pair.depthwise].inputs.map { $0.isEmpty ? nil : value($0) }
            return try pair.run(pointwise: pointwise, arguments, affine: group.affine, activation: group.activation,
                                depthwise: depthwise, second, context: context)
        }
        if let affine = group.affine {
            guard let kernel = kernels[group.head] as? any ActivationFusing, arguments.first??.dtype == .float32,
                  let y = try kernel.run(arguments, activation: nil, context: context)?.first, affine.fits(y) else { return nil }
            affine.apply(to: y, activation: group.activation, context: context)
            return y
        }
        if group.headRunsKernel {
            guard let kernel = kernels[group.head] as? any ActivationFusing else { return nil }
            return try kernel.run(arguments, activation: group.activation, context: context)?.first
        }
        guard let x = arguments.first ?? nil, let activation = group.activation else { return nil }
        return try activation.apply(to: x, context: context)
    }

    /// Runs what `tensors` need and returns them by name. Names may be any value in the graph:
    /// node outputs, inputs or initializers. `timing` as in `run(inputs:capture:…)`.
    public func run(inputs: [String: Tensor], tensors: [String], timing: ((Int, Double) -> Void)? = nil) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        try run(inputs: inputs, capture: try captureRows(for: tensors), timing: timing) { row, tensor in result[row.tensor] = tensor }
        return result
    }

    /// `run(inputs:tensors:)` for an engine running a subgraph, whose values may be sequences or
    /// optionals, reporting the tensors the enclosing run captures to its `sink`.
    func runBody(inputs: [String: Value], tensors: [String], sink: BodyCaptureSink?) throws -> [String: Value] {
        var feeds: [String: Tensor] = [:], others: [String: Value] = [:]
        for (name, value) in inputs {
            if case .tensor(let t) = value { feeds[name] = t } else { others[name] = value }
        }
        var result: [String: Value] = [:]
        try execute(inputs: feeds, containerInputs: others, capture: try captureRows(for: tensors), progress: nil, timing: nil,
                    observe: nil, inheritedSink: sink) { row, value in result[row.tensor] = value }
        return result
    }

    /// Runs one node whose kernel takes values of any kind (`ValueKernel`), reading its inputs from
    /// the run's tensors and containers and putting each output in the table of its kind.
    private func runValueNode(_ node: Node, _ kernel: any ValueKernel, context: ExecutionContext,
                              values: inout [String: Tensor], containers: inout [String: Value],
                              known: (String) -> Value?, consumed: (String) -> Bool, wanted: (String) -> Bool,
                              report: (String, Value) throws -> Void, timing: ((Double) -> Void)?) throws {
        var arguments: [Value?] = []
        arguments.reserveCapacity(node.inputs.count)
        for name in node.inputs {
            guard !name.isEmpty else {
                arguments.append(nil)
                continue
            }
            arguments.append(values[name].map(Value.tensor) ?? containers[name] ?? known(name))
        }
        let started = timing == nil ? 0 : DispatchTime.now().uptimeNanoseconds
        let outputs: [Value]
        do {
            outputs = try kernel.run(values: arguments, context: context)
        } catch {
            throw error.strata(at: node.location)
        }
        timing?(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        for (i, name) in node.outputs.enumerated() where !name.isEmpty && wanted(name) {
            guard i < outputs.count else {
                throw StrataError(.invalidModel, "the kernel produced no value for output '\(name)'", at: node.location)
            }
            if consumed(name) {
                switch outputs[i] {
                case .tensor(let t): values[name] = t
                default: containers[name] = outputs[i]
                }
            }
            try report(name, outputs[i])
        }
    }

    /// One capture row per tensor name (node outputs, inputs or initializers).
    func captureRows(for tensors: [String]) throws -> [LayerOutput] {
        let graph = self.graph
        var rows: [LayerOutput] = []
        for name in tensors {
            if let p = producers[name] {
                let node = graph.nodes[p]
                rows.append(LayerOutput(layer: node.name, op: node.opType, output: node.outputs.firstIndex(of: name)!, tensor: name))
            } else if graph.initializers[name] != nil || graph.inputs.contains(where: { $0.name == name }) {
                rows.append(LayerOutput(layer: name, op: "", output: 0, tensor: name))
            } else {
                throw StrataError(.invalidInput, "no tensor named '\(name)' in the graph")
            }
        }
        return rows
    }
}
