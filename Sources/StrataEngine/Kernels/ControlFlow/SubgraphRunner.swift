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
    /// `in node 'loop_1' (Loop) body`: what errors from the body's nodes are placed in.
    let context: String
    private let engines = Mutex<[[ValueType]: Engine]>([:])

    /// `implicitInputs` are the node's (`Node.implicitInputs`), a superset of what `body` reads.
    init(_ body: Subgraph, attribute: String, node: Node, implicitInputs: [String]) throws {
        self.body = body
        place = ErrorLocation(node: node.name, opType: node.opType, detail: "attribute '\(attribute)'")
        context = "in node '\(node.name)' (\(node.opType)) \(attribute)"
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
    /// implicit inputs `outer`, all tensors. An error from a node of the body names this node and
    /// `iteration` (`in node 'loop_1' (Loop) body, iteration 3: node 'add_2' (Add): …`).
    func run(_ inputs: [Tensor], outer: [Tensor?], iteration: Int? = nil, context: ExecutionContext) throws -> [Tensor] {
        try run(values: inputs.map(Value.tensor), outer: outer.map { $0.map(Value.tensor) }, iteration: iteration,
                context: context).enumerated().map { i, value in
            guard case .tensor(let t) = value else {
                throw StrataError(.unsupported, "body output '\(body.outputs[i].name)' is \(value.type), not a tensor", at: place)
            }
            return t
        }
    }

    /// `run(_:outer:context:)` for values of any kind (tensors, sequences, optionals).
    func run(values inputs: [Value], outer: [Value?], iteration: Int? = nil, context: ExecutionContext) throws -> [Value] {
        guard inputs.count == body.inputs.count else {
            throw StrataError(.invalidModel, "the body has \(body.inputs.count) inputs; it is given \(inputs.count)", at: place)
        }
        var feeds: [String: Value] = [:]
        var types: [ValueType] = []
        for (formal, value) in zip(body.inputs, inputs) {
            let type = value.type
            if let declared = formal.type, declared.dtype != type.dtype {
                throw StrataError(.invalidModel, "body input '\(formal.name)' is declared \(declared.kindDescription) and given \(type.kindDescription)",
                                  at: place)
            }
            feeds[formal.name] = value
            types.append(type.withoutShape)
        }
        for (name, i) in zip(body.outerReferences, outerIndices) {
            guard i < outer.count, let value = outer[i] else {
                throw StrataError(.invalidModel, "the outer value '\(name)' the body reads has no value", at: place)
            }
            feeds[name] = value
            types.append(value.type.withoutShape)
        }
        let engine = try self.engine(for: types, threads: context.threads)
        let values: [String: Value]
        do {
            values = try engine.runBody(inputs: feeds, tensors: body.outputs.map(\.name), sink: context.bodyCapture)
        } catch let error as StrataError {
            throw error.inSubgraph(self.context + (iteration.map { ", iteration \($0)" } ?? ""))
        }
        return try body.outputs.map { formal in
            guard let value = values[formal.name] else {
                throw StrataError(.invalidModel, "body output '\(formal.name)' has no value", at: place)
            }
            if let declared = formal.type, declared.dtype != value.type.dtype {
                throw StrataError(.invalidModel, "body output '\(formal.name)' is declared \(declared.kindDescription) and computed as "
                                  + "\(value.type.kindDescription)", at: place)
            }
            return value
        }
    }

    /// The body's engine for inputs of `types` (shapes left out): compiled at the first run with
    /// those types, then reused. It does not choose its own thread count: its runs are part of the
    /// enclosing run, whose time the enclosing engine's choice measures.
    private func engine(for types: [ValueType], threads: Int) throws -> Engine {
        if let engine = engines.withLock({ $0[types] }) { return engine }
        var graph = body.graph
        let names = body.inputs.map(\.name) + body.outerReferences
        graph.inputs = zip(names, types).map { name, type in ValueInfo(name: name, type: type) }
        graph.outputs = body.outputs.map { ValueInfo(name: $0.name, type: $0.type ?? ValueType(.float32, nil)) }
        let engine: Engine
        do {
            engine = try Engine(model: Model(graph: graph, format: .onnx, path: "", layout: .nchw),
                                options: EngineOptions(threads: threads, choosesThreads: false))
        } catch let error as StrataError {
            throw error.located(place)
        }
        engines.withLock { $0[types] = engine }
        return engine
    }
}
