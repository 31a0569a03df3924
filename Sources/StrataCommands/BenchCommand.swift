import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataExport

/// `strata bench`: load time, latency and peak memory of a model on seeded random inputs.
public struct BenchCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time loading and running a model on seeded random inputs of its declared shapes, or on an image.",
        discussion: """
            Symbolic dimensions are set to 1. Float inputs are uniform in [-1, 1), integer inputs 0, booleans false. \
            --image FILE feeds that image (preprocessed as the image options say) instead, with any other inputs \
            from --input NAME=FILE.npy. "isa" is the kernel tier that ran (the best this CPU runs, or a lower one \
            set with the environment variable STRATA_ISA=generic|neon|avx2|avx512).
            """
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(help: "Threads for kernels and BLAS (default: all cores; at most 4 × the cores).")
    public var threads: Int?

    @Option(help: "Timed runs.")
    public var runs = 10

    @Option(help: "Untimed runs before timing (and, with several threads, until the engine has chosen how many to use: at most 64 more).")
    public var warmup = 2

    @Flag(help: "Print {\"load_ms\", \"median_ms\", \"min_ms\", \"max_ms\", \"peak_rss_mb\", \"isa\", \"parallel_loops\", \"contended_loops\", \"threads\", \"threads_chosen\", \"runs_with_fewer_threads\"} as JSON.")
    public var json = false

    @Flag(help: "Also time every node and print where the time goes: per op type, and the slowest nodes (with --json: a \"profile\" object).")
    public var profile = false

    @Flag(help: "Run every activation as its own node (no fusion), e.g. to compare timings.")
    public var noFusion = false

    @Option(name: .customLong("grad"), help: ArgumentHelp(
        "Time gradient runs instead: the top class's gradient (the logit before a final Softmax) with respect to these layers (name, tensor or glob) or graph inputs; repeatable.",
        valueName: "selector"))
    public var grad: [String] = []

    @Option(name: .customLong("input"), help: ArgumentHelp("With --image: another input tensor, NAME=FILE.npy.", valueName: "input"))
    public var inputs: [String] = []

    @OptionGroup(title: "Images")
    public var imageOptions: ImageOptions

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if let threads, let problem = EngineOptions.problem(withThreads: threads) { throw ValidationError(problem) }
        if runs < 1 || runs > Self.maxRuns { throw ValidationError("--runs must be in 1...\(Self.maxRuns)") }
        if warmup < 0 || warmup > Self.maxRuns { throw ValidationError("--warmup must be in 0...\(Self.maxRuns)") }
        if profile && !grad.isEmpty { throw ValidationError("--profile times forward runs; it does not go with --grad") }
    }

    /// More runs than anyone waits for; the times are kept in memory.
    static let maxRuns = 1_000_000
    /// Runs after the warm-up at most until the engine has chosen how many threads to use
    /// (8 runs, and 7 more for each further count it takes: see `PoolSchedule`).
    static let settlingRuns = 64

    public func execute(on console: Console) throws {
        let loadStart = DispatchTime.now()
        let model = try ModelLoader.load(modelPath, config: config)
        let engine = try Engine(model: model, options: EngineOptions(threads: threads, fusion: !noFusion))
        // Weights are read from the model file on first use; a load is done when they are in memory,
        // in the layout runs read them in.
        try engine.prepareWeights()
        let loadMs = Self.milliseconds(since: loadStart)

        var feeds: [String: Tensor]
        if !imageOptions.isEmpty {
            let source = try InputBatches(model: model, inputs: inputs, images: imageOptions, console: console, quiet: json, allowDataset: false)
            guard let batch = try source.next() else { throw StrataError(.invalidInput, "no image to feed") }
            feeds = batch.feeds
        } else if !inputs.isEmpty {
            throw StrataError(.invalidInput, "--input goes with --image; without images bench feeds seeded random values")
        } else {
            feeds = try Self.randomInputs(for: model.graph)
        }
        let outputs = model.graph.outputs.map(\.name)
        var request: GradientRequest?
        if !grad.isEmpty {
            let inputs = Set(model.graph.inputs.map(\.name))
            var tensors = grad.filter { inputs.contains($0) }
            let selectors = grad.filter { !inputs.contains($0) }.map { LayerSelector(parsing: $0) }
            if !selectors.isEmpty { tensors += try model.graph.resolve(selectors).map(\.tensor) }
            request = GradientRequest(withRespectTo: tensors)
        }
        let once = {
            if let request { _ = try engine.gradients(inputs: feeds, request: request) } else { _ = try engine.run(inputs: feeds, tensors: outputs) }
        }
        for _ in 0..<warmup { try once() }
        // An engine with several threads first times runs with them against runs with fewer and
        // keeps the fastest count (`PoolSchedule`); timing starts once it has chosen, as a process
        // running many inputs sees it.
        var settling = 0
        while !engine.threadUse.settled && settling < Self.settlingRuns {
            try once()
            settling += 1
        }
        var times: [Double] = []
        let loopsBefore = ExecutionContext.poolLoops
        let fewerBefore = engine.threadUse.fewerThreadRuns
        for _ in 0..<runs {
            let start = DispatchTime.now()
            try once()
            times.append(Self.milliseconds(since: start))
        }
        let loopsAfter = ExecutionContext.poolLoops
        let threadUse = engine.threadUse
        let fewerThreadRuns = threadUse.fewerThreadRuns - fewerBefore
        let parallelLoops = loopsAfter.requested - loopsBefore.requested
        let contendedLoops = loopsAfter.contended - loopsBefore.contended
        // Timed separately: reading the clock around every node would add to the latencies above.
        var nodeSeconds: [Int: Double] = [:]
        if profile {
            for _ in 0..<runs {
                _ = try engine.run(inputs: feeds, tensors: outputs) { node, seconds in nodeSeconds[node, default: 0] += seconds }
            }
        }
        let report = profile ? NodeProfile(graph: model.graph, seconds: nodeSeconds, runs: runs) : nil
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        let rss = Self.peakResidentMegabytes()
        if json {
            var fields: [(String, JSONValue)] = [
                ("load_ms", .double(Self.rounded(loadMs))), ("median_ms", .double(Self.rounded(median))),
                ("min_ms", .double(Self.rounded(times[0]))), ("max_ms", .double(Self.rounded(times[times.count - 1]))),
                ("peak_rss_mb", .double(Self.rounded(rss))), ("isa", .string(KernelTier.active.rawValue)),
                ("parallel_loops", .int(parallelLoops)), ("contended_loops", .int(contendedLoops)),
                ("threads", .int(EngineOptions(threads: threads).threads)), ("threads_chosen", .int(threadUse.threads)),
                ("runs_with_fewer_threads", .int(fewerThreadRuns)),
            ]
            if let report { fields.append(("profile", report.json)) }
            console.print(JSONValue.object(fields).rendered(pretty: false))
        } else {
            console.print("model:    \(modelPath)")
            let threadCount = EngineOptions(threads: threads).threads
            if threadUse.threads < threadCount {
                // Why a multi-threaded time is close to a lower count's: handing work to more threads cost more than it saved.
                console.print("threads:  \(threadCount), of which runs use \(threadUse.threads): measured faster here (\(fewerThreadRuns) of \(runs) timed runs with fewer)")
            } else if fewerThreadRuns > 0 {
                console.print("threads:  \(threadCount) (\(fewerThreadRuns) of \(runs) timed runs with fewer, trying whether they are faster)")
            } else {
                console.print("threads:  \(threadCount)")
            }
            console.print("isa:      \(KernelTier.active.rawValue)")
            console.print("load:     \(Self.format(loadMs)) ms")
            console.print("latency:  median \(Self.format(median)) ms, min \(Self.format(times[0])) ms, max \(Self.format(times[times.count - 1])) ms over \(runs) runs (\(warmup) warm-up\(settling > 0 ? ", \(settling) more while choosing the threads" : ""))")
            console.print("peak RSS: \(Self.format(rss)) MB")
            if contendedLoops > 0 {
                // Why a multi-threaded time can be close to the 1-thread one on a busy machine.
                console.print("threads:  \(contendedLoops) of \(parallelLoops) parallel loops ran on one thread: other processes wanted the cores")
            }
            if let report {
                console.print("")
                for line in report.lines { console.print(line) }
            }
        }
    }

    /// One tensor per runtime input, shaped as declared (symbolic or unknown dims → 1), seeded.
    static func randomInputs(for graph: Graph, seed: UInt64 = 0x5EED) throws -> [String: Tensor] {
        var generator = SeededGenerator(seed: seed)
        var feeds: [String: Tensor] = [:]
        for input in graph.runtimeInputs {
            let shape = (input.type.shape ?? []).map { $0.value ?? 1 }
            let tensor: Tensor
            do {
                tensor = try Tensor(dtype: input.type.dtype, shape: shape, zeroed: true)
            } catch let error as StrataError {
                throw error.located(ErrorLocation(detail: "graph input '\(input.name)'"))
            }
            switch input.type.dtype {
            case .float32:
                for i in 0..<tensor.count { tensor.pointer(as: Float.self)[i] = Float.random(in: -1..<1, using: &generator) }
            case .float64:
                for i in 0..<tensor.count { tensor.pointer(as: Double.self)[i] = Double.random(in: -1..<1, using: &generator) }
            case .float16:
                for i in 0..<tensor.count { tensor.pointer(as: Float16.self)[i] = Float16(Float.random(in: -1..<1, using: &generator)) }
            case .bfloat16:
                for i in 0..<tensor.count {
                    tensor.pointer(as: UInt16.self)[i] = UInt16(Float.random(in: -1..<1, using: &generator).bitPattern >> 16)
                }
            default:
                break  // integers and booleans stay zero, which is a valid index into any axis
            }
            feeds[input.name] = tensor
        }
        return feeds
    }

    static func milliseconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }

    /// The process's peak resident set size in MB: `VmHWM` from /proc/self/status, else getrusage.
    static func peakResidentMegabytes() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let digits = line.dropFirst(6).filter(\.isNumber)
                if let kb = Double(String(digits)) { return kb / 1024 }
            }
        }
        var usage = rusage()
        getrusage(0, &usage)  // RUSAGE_SELF, which Glibc imports as an enum of the wrong type
        #if os(Linux)
        return Double(usage.ru_maxrss) / 1024
        #else
        return Double(usage.ru_maxrss) / (1024 * 1024)
        #endif
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
