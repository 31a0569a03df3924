import StrataCore
import Synchronization

/// Runs one subgraph (an `If` branch, a `Loop` or `Scan` body) many times.
///
/// The body is compiled into an `Engine` of its own, whose graph inputs are the body's formal
/// inputs followed by the outer values it reads; that engine is made at the first run, when the
/// dtypes of those values are known, and kept for every later run with the same dtypes (a body
/// is compiled once per node in practice). Each run executes only what the body's outputs need.
final class SubgraphRunner: Sendable {
    let body: Subgraph
    /// Where each of the body's outer references sits among the node's implicit inputs.
    let outerIndices: [Int]
    /// The node holding the body and the attribute, for errors.
    let place: ErrorLocation
    private let engines = Mutex<[[DType]: Engine]>([:])

    /// `implicitInputs` are the node's (`Node.implicitInputs`), a superset of what `body` reads.
    init(_ body: Subgraph, attribute: String, node: Node, implicitInputs: [String]) throws {
        self.body = body
        place = ErrorLocation(node: node.name, opType: node.opType, detail: "attribute '\(attribute)'")
        var index: [String: Int] = [:]
        for (i, name) in implicitInputs.enumerated() where index[name] == nil { index[name] = i }
        outerIndices = try body.outerReferences.map { name in
            guard let i = index[name] else { throw StrataError(.invalidModel, "the body reads '\(name)', which is not visible") }
            return i
        }
        do {
            _ = try body.topologicalOrder()
        } catch let error as StrataError {
            throw error.located(place)
        }
    }

    var outputCount: Int { body.outputs.count }

    /// The body's outputs for formal inputs `inputs` (one per formal input) and the node's
    /// implicit inputs `outer`.
    func run(_ inputs: [Tensor], outer: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard inputs.count == body.inputs.count else {
            throw StrataError(.invalidModel, "the body has \(body.inputs.count) inputs; it is given \(inputs.count)", at: place)
        }
        var feeds: [String: Tensor] = [:]
        var dtypes: [DType] = []
        for (formal, value) in zip(body.inputs, inputs) {
            if let declared = formal.type, declared.dtype != value.dtype {
                throw StrataError(.invalidModel, "body input '\(formal.name)' is declared \(declared.dtype.rawValue) and given \(value.dtype.rawValue)",
                                  at: place)
            }
            feeds[formal.name] = value
            dtypes.append(value.dtype)
        }
        for (name, i) in zip(body.outerReferences, outerIndices) {
            guard i < outer.count, let value = outer[i] else {
                throw StrataError(.invalidModel, "the outer value '\(name)' the body reads has no value", at: place)
            }
            feeds[name] = value
            dtypes.append(value.dtype)
        }
        let engine = try self.engine(for: dtypes, threads: context.threads)
        let values = try engine.runBody(inputs: feeds, tensors: body.outputs.map(\.name), sink: context.bodyCapture)
        return try body.outputs.map { formal in
            guard let value = values[formal.name] else {
                throw StrataError(.invalidModel, "body output '\(formal.name)' has no value", at: place)
            }
            if let declared = formal.type, declared.dtype != value.dtype {
                throw StrataError(.invalidModel, "body output '\(formal.name)' is declared \(declared.dtype.rawValue) and computed as \(value.dtype.rawValue)",
                                  at: place)
            }
            return value
        }
    }

    private func engine(for dtypes: [DType], threads: Int) throws -> Engine {
        if let engine = engines.withLock({ $0[dtypes] }) { return engine }
        var graph = body.graph
        let names = body.inputs.map(\.name) + body.outerReferences
        graph.inputs = zip(names, dtypes).map { name, dtype in ValueInfo(name: name, type: ValueType(dtype, nil)) }
        graph.outputs = body.outputs.map { ValueInfo(name: $0.name, type: $0.type ?? ValueType(.float32, nil)) }
        let engine: Engine
        do {
            engine = try Engine(model: Model(graph: graph, format: .onnx, path: "", layout: .nchw),
                                options: EngineOptions(threads: threads))
        } catch let error as StrataError {
            throw error.located(place)
        }
        engines.withLock { $0[dtypes] = engine }
        return engine
    }
}
