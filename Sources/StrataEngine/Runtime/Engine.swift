import COpenBLAS
import StrataCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs a model on the CPU and hands out the activations the caller asks for.
///
/// `init` checks the graph and compiles every node's kernel once; nodes whose inputs are all
/// known constants (and that are small, see `foldLimit`) are computed there too. Each `run`
/// then executes only the nodes the requested tensors depend on, in topological order, and
/// frees every intermediate tensor after its last consumer.
public final class Engine: @unchecked Sendable {
    public let model: Model
    /// `model.graph` with each node's implicit inputs (the outer values its subgraphs read)
    /// appended to its inputs: plans, lifetimes and fusion then treat them as inputs, and
    /// control-flow kernels receive them after the node's own inputs.
    let graph: Graph
    let options: EngineOptions
    let context: ExecutionContext
    /// Node indices in execution order.
    let order: [Int]
    /// The node producing each value.
    let producers: [String: Int]
    /// For every tensor computed inside a subgraph: the node of this graph holding that subgraph,
    /// and whether a `Loop` or `Scan` on the way repeats it.
    let bodyTensors: [String: (node: Int, iterated: Bool)]
    /// One compiled kernel per node, by node index.
    let kernels: [any Kernel]
    /// `graph` and `kernels` as forward runs execute them: a Conv reading a Pad of zeros reads the
    /// Pad's input instead, the Pad folded into its own padding (`PadFolding`). Gradient runs use
    /// the graph as written, whose backward rules see every node's own input.
    let forwardGraph: Graph
    let forwardKernels: [any Kernel]
    /// The kernels that take values of any kind (sequences, optionals, control flow), by node
    /// index; nil for the nodes on tensors, which the run loop calls as before.
    let valueKernels: [(any ValueKernel)?]
    /// Values known without inputs: initializers the user cannot override, and outputs of
    /// folded nodes.
    let constants: [String: Tensor]
    /// The plans of the most recent run (see `plans(for:available:)`).
    let lastPlans = Mutex<CachedPlans?>(nil)
    /// Notices already given (see `EngineOptions.notice`).
    let noticesGiven = Mutex<Set<String>>([])

    /// Folding is skipped for nodes whose inputs or outputs hold more elements than this, so
    /// that `init` stays quick and does not duplicate large weights.
    static let foldLimit = 1 << 20

    /// Ops whose output differs between runs even with constant inputs.
    static let nondeterministicOps: Set<String> = [
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
    ]

    public init(model: Model, options: EngineOptions = .init()) throws {
        guard model.hasWeightValues else {
            throw StrataError(.invalidInput, "the model was imported without its weight values (for its structure only) and cannot be run",
                              at: ErrorLocation(file: model.path.isEmpty ? nil : model.path))
        }
        try KernelTier.checkEnvironment()
        try EngineOptions.checkEnvironment()
        self.model = model
        self.options = options
        self.context = ExecutionContext(threads: options.threads)
        // One pool of threads per process: OpenBLAS's idle workers spin in sched_yield for about
        // 0.1 s after each call, taking cores from Strata's own threads (a second thread made
        // MobileNetV2 twice as slow on an AVX2 machine). OpenBLAS runs on the calling thread, and
        // large products are split over Strata's threads (`ExecutionContext.gemm`).
        BLASThreads.runOnCallingThread()
        Engine.keepFreedBuffersInHeap()
        var graph = model.graph
        for i in graph.nodes.indices {
            let implicit = graph.nodes[i].implicitInputs
            if !implicit.isEmpty { graph.nodes[i].inputs += implicit }
        }
        self.graph = graph
        var bodyTensors: [String: (node: Int, iterated: Bool)] = [:]
        func collect(_ node: Node, owner: Int, iterated: Bool) {
            let repeats = iterated || node.opType == "Loop" || node.opType == "Scan" || node.opType == "SequenceMap"
            for (_, body) in node.subgraphs {
                for inner in body.graph.nodes {
                    for out in inner.outputs where !out.isEmpty && bodyTensors[out] == nil { bodyTensors[out] = (owner, repeats) }
                    collect(inner, owner: owner, iterated: repeats)
                }
            }
        }
        for (index, node) in graph.nodes.enumerated() { collect(node, owner: index, iterated: false) }
        self.bodyTensors = bodyTensors
        do {
            order = try graph.topologicalOrder()
            producers = try graph.producers()
        } catch {
            throw error.strata(at: ErrorLocation(file: model.path.isEmpty ? nil : model.path))
        }
        let types = graph.inferTypes().types
        let inputNames = Set(graph.inputs.map(\.name))
        var constants = graph.initializers.filter { !inputNames.contains($0.key) }
        var kernels = [(any Kernel)?](repeating: nil, count: graph.nodes.count)
        /// What a node's kernel is built from: its inputs' types and the constants known so far.
        func buildContext(_ node: Node) -> KernelBuildContext {
            KernelBuildContext(node: node, inputTypes: node.inputs.map { $0.isEmpty ? nil : types[$0] },
                               constants: node.inputs.map { $0.isEmpty ? nil : constants[$0] })
        }
        for index in order {
            let node = graph.nodes[index]
            guard let factory = KernelRegistry.factory(for: node) else {
                throw StrataError(.unsupported, "unsupported op '\(node.opType)'", at: node.location)
            }
            if !Engine.lowBitOps.contains(node.opType),
               let name = (node.inputs + node.outputs).first(where: { !$0.isEmpty && types[$0]?.dtype.isLowBit == true }) {
                throw StrataError(.unsupported, "'\(name)' is \(types[name]!.dtype.rawValue); only QuantizeLinear, DequantizeLinear, Cast, CastLike and BitCast take low-bit types",
                                  at: node.location)
            }
            let build = buildContext(node)
            let kernel: any Kernel
            do {
                kernel = try factory(build)
            } catch {
                throw error.strata(at: node.location)
            }
            kernels[index] = kernel
            if kernel is any ValueKernel { continue }
            for (i, name) in node.inputs.enumerated() where !name.isEmpty {
                if let type = types[name], !type.isTensor {
                    throw StrataError(.unsupported, "input \(i) ('\(name)') is \(type); this op takes tensors only", at: node.location)
                }
            }
            if let folded = Engine.fold(node, kernel, build.constants, context) {
                for (name, value) in zip(node.outputs, folded) where !name.isEmpty { constants[name] = value }
            }
        }
        self.kernels = kernels.map { $0! }
        self.valueKernels = self.kernels.map { $0 as? any ValueKernel }
        self.constants = constants
        var forwardGraph = graph, forwardKernels = self.kernels
        if options.fusion {
            for (index, node) in PadFolding(graph: graph, producers: producers, constant: { constants[$0] }).convolutions {
                // A folded Conv whose kernel does not build runs as written.
                guard let factory = KernelRegistry.factory(for: node), let kernel = try? factory(buildContext(node)) else { continue }
                forwardGraph.nodes[index] = node
                forwardKernels[index] = kernel
            }
        }
        self.forwardGraph = forwardGraph
        self.forwardKernels = forwardKernels
    }

    /// The ops whose kernels take low-bit dtypes (float8, float4, int4, int2; see `DType.isLowBit`).
    static let lowBitOps: Set<String> = ["QuantizeLinear", "DequantizeLinear", "Cast", "CastLike", "BitCast"]

    /// The outputs of `node` when it can and should be computed now; nil otherwise, including
    /// when the kernel fails (the error then surfaces if a run needs the node).
    private static func fold(_ node: Node, _ kernel: any Kernel, _ inputs: [Tensor?], _ context: ExecutionContext) -> [Tensor]? {
        guard !nondeterministicOps.contains(node.opType) else { return nil }
        var elements = 0
        for (name, value) in zip(node.inputs, inputs) where !name.isEmpty {
            guard let value else { return nil }
            elements += value.count
        }
        guard elements <= foldLimit, let outputs = try? kernel.run(inputs, context: context) else { return nil }
        let wanted = node.outputs.lastIndex(where: { !$0.isEmpty }).map { $0 + 1 } ?? 0
        // A small input can expand into a large output (ConstantOfShape, Expand); keeping that
        // for the engine's lifetime would cost more memory than computing it per run.
        let produced = outputs.reduce(0) { $0 + $1.count }
        return outputs.count >= wanted && (produced <= foldLimit || node.opType == "Constant") ? outputs : nil
    }

    /// The graph's types as `Graph.inferTypes` gives them with the constant subgraphs this engine
    /// folded known too (shapes computed by `ConstantOfShape`, `Where`, … then reach `Expand` and
    /// `Reshape` and the values after them).
    public func inferredTypes() -> TypeInference {
        model.graph.inferTypes(knownValues: constants)
    }

    /// Calls `body(i)` for each `i` in `0 ..< iterations` on the engine's threads (the pool its kernels
    /// use), and returns when all calls have finished. For work done between runs or inside a capture
    /// callback, so that it shares the cores with the kernels instead of competing with them.
    public func parallelFor(_ iterations: Int, _ body: @Sendable (Int) -> Void) {
        context.parallelFor(iterations) { range in
            for i in range { body(i) }
        }
    }

    /// Every node allocates its outputs and frees its inputs' buffers, megabytes each in a CNN.
    /// glibc would serve those from fresh mmap'd pages and give them back on free, so every run
    /// paid page faults for all its activations (a fifth of EfficientNet-B0's time). Raising the
    /// mmap and trim thresholds (process-wide, once) lets freed buffers be reused instead.
    private static let heapTuning: Void = {
        #if canImport(Glibc)
        // `mallopt` lives in <malloc.h>, which the Glibc module does not import.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        _ = mallopt(mmapThreshold, 32 << 20)
        _ = mallopt(trimThreshold, 256 << 20)
        #endif
    }()

    private static func keepFreedBuffersInHeap() { _ = heapTuning }
}
