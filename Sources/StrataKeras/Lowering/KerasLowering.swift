import StrataCore

/// Walks a `KerasModelSpec` and lowers every layer call through `KerasLayerTable`, nested models inline,
/// filling the graph builder and the capture table.
struct KerasLowering {
    let builder: GraphBuilder
    let store: KerasWeightStore
    let kerasMajor: Int
    /// Element counts of each lowered layer's variables, by layer path, for the summary.
    private let variableSizes = VariableSizes()

    private final class VariableSizes {
        var sizes: [String: [Int]] = [:]
    }

    init(builder: GraphBuilder, store: KerasWeightStore, kerasMajor: Int) {
        self.builder = builder
        self.store = store
        self.kerasMajor = kerasMajor
    }

    /// `model.summary()` rows for `model` and, after each nested model, its layers; call after lowering.
    func summary(_ model: KerasModelSpec, prefix: [String] = [], frozen: Bool = false) -> [SourceLayer] {
        var rows: [SourceLayer] = []
        for layer in model.layers {
            if model.kind == .sequential && layer.className == "InputLayer" { continue }
            let path = prefix + [layer.name]
            let layerFrozen = frozen || layer.config["trainable"]?.bool == false
            // Keras 3 lists tensors passed by keyword (a `mask=`) after the positional inputs, in its summary
            // and in model_to_dot; Keras 2 lists the positional inputs only.
            let connected: [String] = layer.calls.first.map { call in
                let keyword: [KerasTensorRef] = kerasMajor >= 3 ? call.kwargTensors.sorted { $0.key < $1.key }.flatMap(\.value) : []
                return (call.inputs + keyword).map { "\($0.layer)[\($0.node)][\($0.tensor)]" }
            } ?? []
            var row = SourceLayer(path: path, className: layer.className, category: KerasLayerTable.category(ofClass: layer.className),
                                  connectedTo: connected, isModel: layer.nested != nil)
            if let nested = layer.nested {
                let inner = summary(nested, prefix: path, frozen: layerFrozen)
                let own = inner.filter { $0.depth == path.count }
                row.trainableParameters = own.reduce(0) { $0 + $1.trainableParameters }
                row.nonTrainableParameters = own.reduce(0) { $0 + $1.nonTrainableParameters }
                rows.append(row)
                rows += inner
                continue
            }
            let sizes = variableSizes.sizes[row.name] ?? []
            let frozenTail = layerFrozen ? sizes.count : min(KerasLayerTable.nonTrainableVariables[layer.className] ?? 0, sizes.count)
            row.trainableParameters = sizes.dropLast(frozenTail).reduce(0, +)
            row.nonTrainableParameters = sizes.suffix(frozenTail).reduce(0, +)
            rows.append(row)
        }
        return rows
    }

    /// Lowers the top-level model: creates graph inputs from its input layers; returns the output values.
    func lowerTopLevel(_ model: KerasModelSpec) throws -> [String] {
        var inputValues: [String] = []
        for ref in model.inputs {
            guard let layer = model.layers.first(where: { $0.name == ref.layer }), layer.className == "InputLayer" else {
                throw StrataError(.invalidModel, "model input '\(ref.layer)' is not an InputLayer", at: ErrorLocation(file: builder.file))
            }
            inputValues.append(builder.addInput(layer.name, type: try inputType(layer)))
        }
        return try lower(model, inputs: inputValues, prefix: [], outerCall: 0)
    }

    private func inputType(_ layer: KerasLayerSpec) throws -> ValueType {
        let config = layer.config
        guard let shape = (config["batch_shape"] ?? config["batch_input_shape"])?.array else {
            throw StrataError(.invalidModel, "input layer has no batch_shape", at: ErrorLocation(file: builder.file, node: layer.name, opType: "InputLayer"))
        }
        let place = ErrorLocation(file: builder.file, node: layer.name, opType: "InputLayer", detail: "option 'batch_shape'")
        let dims: [Dim] = try shape.enumerated().map { i, d in
            guard let v = d.int else { return .symbol(i == 0 ? "N" : "\(layer.name)_d\(i)") }
            guard v >= 0 else { throw StrataError(.invalidModel, "dimension \(i) is negative (\(v))", at: place) }
            return .known(v)
        }
        // The known sizes alone must make a shape whose size can be counted, so that no size computed
        // from them later overflows.
        guard dims.compactMap(\.value).checkedElementCount != nil else {
            throw StrataError(.invalidModel, "\(dims.shapeDescription) has more elements than a 64-bit size can count", at: place)
        }
        let dtype = try Self.dtype(config["dtype"], layer: layer, file: builder.file)
        return ValueType(dtype, dims)
    }

    /// A Keras dtype: a name or a DTypePolicy object (`{"class_name": "DTypePolicy", "config": {"name": …}}`).
    static func dtype(_ json: KerasJSON?, layer: KerasLayerSpec, file: String) throws -> DType {
        let name = json?.string ?? json?["config"]?["name"]?.string ?? "float32"
        switch name {
        case "float32", "mixed_float16", "mixed_bfloat16": return .float32
        case "float64": return .float64
        case "float16": return .float16
        case "int32": return .int32
        case "int64": return .int64
        case "uint8": return .uint8
        case "bool": return .bool
        case "string":
            throw StrataError(.unsupported, "dtype 'string' is not supported: Strata does not run text preprocessing (TextVectorization, "
                              + "StringLookup); save the part of the model after it, which takes integer token ids",
                              at: ErrorLocation(file: file, node: layer.name, opType: layer.className))
        default:
            throw StrataError(.unsupported, "dtype '\(name)' is not supported", at: ErrorLocation(file: file, node: layer.name, opType: layer.className))
        }
    }

    /// Lowers `model` fed by `inputs` (values for its input layers, in order). Capture names get `prefix`.
    private func lower(_ model: KerasModelSpec, inputs: [String], prefix: [String], outerCall: Int) throws -> [String] {
        var tensors: [KerasTensorRef: String] = [:]
        for (ref, value) in zip(model.inputs, inputs) {
            tensors[KerasTensorRef(layer: ref.layer, node: 0, tensor: 0)] = value
            let path = (prefix + [ref.layer]).joined(separator: "/")
            builder.layers.append(LayerOutput(layer: path, op: "InputLayer", call: outerCall, output: 0, tensor: value))
        }
        var pending: [(layer: Int, call: Int)] = []
        for (i, layer) in model.layers.enumerated() where layer.className != "InputLayer" {
            for c in layer.calls.indices { pending.append((i, c)) }
        }
        // Keras 2 numbers the calls of a nested model from 1: its node 0 is the model's own internal graph.
        var referenced: [String: Int] = [:]
        for ref in model.layers.flatMap({ $0.calls.flatMap { $0.inputs + $0.kwargTensors.values.flatMap { $0 } } }) + model.outputs {
            referenced[ref.layer] = max(referenced[ref.layer] ?? 0, ref.node)
        }
        func nodeOffset(_ layer: KerasLayerSpec) -> Int {
            layer.nested != nil && (referenced[layer.name] ?? 0) >= layer.calls.count ? 1 : 0
        }
        var shared: [Int: KerasLayerContext.SharedValues] = [:]
        while !pending.isEmpty {
            var remaining: [(layer: Int, call: Int)] = []
            for item in pending {
                let layer = model.layers[item.layer]
                let call = layer.calls[item.call]
                let args = call.inputs.map { tensors[$0] }
                let kwargs = call.kwargTensors.mapValues { $0.map { tensors[$0] } }
                guard args.allSatisfy({ $0 != nil }), kwargs.values.allSatisfy({ $0.allSatisfy { $0 != nil } }) else {
                    remaining.append(item)
                    continue
                }
                let path = prefix + [layer.name]
                let callIndex = outerCall * layer.calls.count + item.call
                let outputs: [String]
                if let nested = layer.nested {
                    outputs = try lower(nested, inputs: args.map { $0! }, prefix: path, outerCall: callIndex)
                } else {
                    let values = shared[item.layer] ?? KerasLayerContext.SharedValues()
                    shared[item.layer] = values
                    let arguments: [KerasLayerContext.Operand] = call.arguments.map { argument in
                        switch argument {
                        case .tensor(let ref): return .value(tensors[ref] ?? "")
                        case .value(let json): return .constant(json)
                        }
                    }
                    outputs = try lowerLayer(layer, path: path, call: callIndex, args: args.map { $0! }, arguments: arguments,
                                             kwargTensors: kwargs.mapValues { $0.map { $0! } }, kwargs: call.kwargs, shared: values)
                }
                for (j, value) in outputs.enumerated() {
                    tensors[KerasTensorRef(layer: layer.name, node: item.call + nodeOffset(layer), tensor: j)] = value
                    builder.layers.append(LayerOutput(layer: path.joined(separator: "/"), op: layer.className, call: callIndex, output: j, tensor: value))
                }
            }
            if remaining.count == pending.count {
                let stuck = model.layers[remaining[0].layer]
                throw StrataError(.invalidModel, "its inputs are never produced by any layer of model '\(model.name)'",
                                  at: ErrorLocation(file: builder.file, node: stuck.name, opType: stuck.className))
            }
            pending = remaining
        }
        return try model.outputs.map { ref in
            guard let value = tensors[ref] else {
                throw StrataError(.invalidModel, "model output '\(ref.layer)' (call \(ref.node), output \(ref.tensor)) is never produced",
                                  at: ErrorLocation(file: builder.file))
            }
            return value
        }
    }

    private func lowerLayer(
        _ layer: KerasLayerSpec, path: [String], call: Int, args: [String], arguments: [KerasLayerContext.Operand],
        kwargTensors: [String: [String]],
        kwargs: [String: KerasJSON], shared: KerasLayerContext.SharedValues
    ) throws -> [String] {
        let place = ErrorLocation(file: builder.file, node: path.joined(separator: "/"), opType: layer.className)
        if KerasLayerTable.codeCarrying.contains(layer.className) {
            throw StrataError(.unsupported, "layer class '\(layer.className)' runs Python code stored in the model; Strata never runs code from a model file", at: place)
        }
        if let origin = KerasLayerTable.userDefinedOrigin(of: layer) {
            throw StrataError(.unsupported, "layer class '\(layer.className)' is a custom class (\(origin)); Strata never runs code from a model file", at: place)
        }
        guard let lowering = KerasLayerTable.lowerings[layer.className] else {
            throw StrataError(.unsupported, "layer class '\(layer.className)' is not supported (custom or unknown class)", at: place)
        }
        let variables = try store.variables(at: path)
        variableSizes.sizes[path.joined(separator: "/")] = variables.map { $0.shape.checkedElementCount ?? 0 }
        do {
            let firstNode = builder.nodes.count
            let (context, finish) = try precisionContext(
                layer, path: path.joined(separator: "/"), call: call, args: args, arguments: arguments,
                kwargTensors: kwargTensors, kwargs: kwargs, variables: variables, shared: shared)
            try context.refuseIgnoredMask()
            let outputs = try finish(try lowering(context))
            var named: Set<String> = []
            return outputs.enumerated().map { j, value in
                guard named.insert(value).inserted else { return value }
                return builder.nameOutput(value, context.nodeBase + (outputs.count > 1 ? ":\(j)" : ""), firstNode: firstNode)
            }
        } catch let error as StrataError {
            throw error.located(place)
        }
    }
}
