import StrataCore

extension KerasModelSpec {
    /// Class names under which Keras saves models that are usable as layers.
    static let modelClasses: Set<String> = ["Sequential", "Functional", "Model"]

    /// Parses a `{"class_name": …, "config": …}` model object (Keras 2 or Keras 3 form).
    /// `file` names the source in errors.
    static func parse(_ json: KerasJSON, file: String) throws -> KerasModelSpec {
        let here = ErrorLocation(file: file, detail: "model config")
        guard let className = json["class_name"]?.string, let config = json["config"] else {
            throw StrataError(.invalidModel, "model config has no 'class_name'/'config'", at: here)
        }
        guard modelClasses.contains(className) else {
            throw StrataError(.unsupported, "model class '\(className)' is not a Sequential or Functional model", at: here)
        }
        let name = config["name"]?.string ?? className.lowercased()
        // Very old Sequential configs are a bare list of layers.
        let layerList = config["layers"]?.array ?? config.array
        guard let layerList else {
            throw StrataError(.unsupported, "model '\(name)' (\(className)) has no layer list (subclassed models cannot be read)", at: here)
        }
        let layers = try layerList.map { try parseLayer($0, file: file) }
        if className == "Sequential" || (config["input_layers"] == nil && className != "Functional") {
            return try sequential(name: name, className: className, layers: layers, config: config, file: file)
        }
        let inputs = try tensorRefs(config["input_layers"], file: file, what: "input_layers")
        let outputs = try tensorRefs(config["output_layers"], file: file, what: "output_layers")
        // Keras' Functional constructor refuses a model without inputs or outputs.
        if inputs.isEmpty { throw StrataError(.invalidModel, "model '\(name)' has no input layers", at: here) }
        if outputs.isEmpty { throw StrataError(.invalidModel, "model '\(name)' has no output layers", at: here) }
        return KerasModelSpec(kind: .functional, className: className, name: name, layers: layers, inputs: inputs, outputs: outputs)
    }

    private static func sequential(
        name: String, className: String, layers: [KerasLayerSpec], config: KerasJSON, file: String
    ) throws -> KerasModelSpec {
        var layers = layers
        if layers.first?.className != "InputLayer" {
            let shape = layers.first.flatMap { $0.config["batch_input_shape"] ?? $0.config["batch_shape"] }
                ?? config["build_input_shape"]
            guard let shape, !shape.isNull else {
                throw StrataError(.invalidModel, "Sequential model '\(name)' declares no input shape (it was never built)",
                                  at: ErrorLocation(file: file, detail: "model config"))
            }
            var inputConfig: [String: KerasJSON] = ["batch_shape": shape]
            if let dtype = layers.first?.config["dtype"] { inputConfig["dtype"] = dtype }
            let inputName = (layers.first?.name ?? name) + "_input"
            inputConfig["name"] = .string(inputName)
            layers.insert(KerasLayerSpec(className: "InputLayer", name: inputName, config: .object(inputConfig), calls: [], nested: nil), at: 0)
        }
        for i in 1 ..< layers.count {
            layers[i].calls = [KerasCall(inputs: [KerasTensorRef(layer: layers[i - 1].name, node: 0, tensor: 0)], kwargs: [:], kwargTensors: [:])]
        }
        let input = KerasTensorRef(layer: layers[0].name, node: 0, tensor: 0)
        let output = KerasTensorRef(layer: layers[layers.count - 1].name, node: 0, tensor: 0)
        return KerasModelSpec(kind: .sequential, className: className, name: name, layers: layers, inputs: [input], outputs: [output])
    }

    private static func parseLayer(_ json: KerasJSON, file: String) throws -> KerasLayerSpec {
        guard let className = json["class_name"]?.string else {
            throw StrataError(.invalidModel, "a layer entry has no 'class_name'", at: ErrorLocation(file: file, detail: "model config"))
        }
        let config = json["config"] ?? .object([:])
        guard let name = json["name"]?.string ?? config["name"]?.string else {
            throw StrataError(.invalidModel, "a \(className) layer has no name", at: ErrorLocation(file: file, detail: "model config"))
        }
        let calls = try (json["inbound_nodes"]?.array ?? []).map { try parseCall($0, layer: name, className: className, file: file) }
        var nested: KerasModelSpec?
        if modelClasses.contains(className) {
            nested = try parse(.object(["class_name": .string(className), "config": config]), file: file)
        }
        return KerasLayerSpec(className: className, name: name, config: config, calls: calls, nested: nested,
                              module: json["module"], registeredName: json["registered_name"]?.string)
    }

    /// A call in Keras 2 form (`[[layer, node, tensor, kwargs], …]`) or Keras 3 form (`{"args", "kwargs"}`).
    private static func parseCall(_ json: KerasJSON, layer: String, className: String, file: String) throws -> KerasCall {
        if var entries = json.array {
            // A call whose only argument is one tensor may be written as a bare entry (TF op layers).
            if entries.first?.string != nil { entries = [json] }
            var inputs: [KerasTensorRef] = []
            var kwargs: [String: KerasJSON] = [:]
            for entry in entries {
                guard let parts = entry.array, parts.count >= 3, let source = parts[0].string,
                      let node = parts[1].int, let tensor = parts[2].int else {
                    throw StrataError(.invalidModel, "malformed inbound node", at: ErrorLocation(file: file, node: layer, opType: className))
                }
                inputs.append(KerasTensorRef(layer: source, node: node, tensor: tensor))
                if parts.count > 3, let extra = parts[3].object { kwargs.merge(extra) { a, _ in a } }
            }
            var kwargTensors: [String: [KerasTensorRef]] = [:]
            for (key, value) in kwargs {
                let refs = keras2Tensors(value)
                if !refs.isEmpty { kwargTensors[key] = refs }
            }
            return KerasCall(inputs: inputs, kwargs: kwargs, kwargTensors: kwargTensors, arguments: inputs.map { .tensor($0) })
        }
        guard json.object != nil else {
            throw StrataError(.invalidModel, "malformed inbound node", at: ErrorLocation(file: file, node: layer, opType: className))
        }
        var inputs: [KerasTensorRef] = []
        collectKerasTensors(json["args"] ?? .null, into: &inputs)
        let kwargs = json["kwargs"]?.object ?? [:]
        var kwargTensors: [String: [KerasTensorRef]] = [:]
        for (key, value) in kwargs {
            var refs: [KerasTensorRef] = []
            collectKerasTensors(value, into: &refs)
            if !refs.isEmpty { kwargTensors[key] = refs }
        }
        var positional = json["args"]?.array ?? []
        if positional.count == 1, let list = positional[0].array { positional = list }
        let arguments: [KerasArgument] = positional.map { item in
            var refs: [KerasTensorRef] = []
            collectKerasTensors(item, into: &refs)
            if refs.count == 1, item["class_name"]?.string == "__keras_tensor__" { return .tensor(refs[0]) }
            return .value(item)
        }
        return KerasCall(inputs: inputs, kwargs: kwargs, kwargTensors: kwargTensors, arguments: arguments)
    }

    /// Keras 3 symbolic tensors (`__keras_tensor__` objects) in `json`, depth first.
    private static func collectKerasTensors(_ json: KerasJSON, into refs: inout [KerasTensorRef]) {
        switch json {
        case .array(let items):
            for item in items { collectKerasTensors(item, into: &refs) }
        case .object(let object):
            if object["class_name"]?.string == "__keras_tensor__" {
                if let history = object["config"]?["keras_history"]?.array, history.count >= 3,
                   let layer = history[0].string, let node = history[1].int, let tensor = history[2].int {
                    refs.append(KerasTensorRef(layer: layer, node: node, tensor: tensor))
                }
            } else {
                for key in object.keys.sorted() { collectKerasTensors(object[key]!, into: &refs) }
            }
        default:
            break
        }
    }

    /// Keras 2 writes tensors in kwargs as `[layer, node, tensor]` triples (or lists of them).
    private static func keras2Tensors(_ json: KerasJSON) -> [KerasTensorRef] {
        guard let parts = json.array else { return [] }
        if parts.count >= 3, let layer = parts[0].string, let node = parts[1].int, let tensor = parts[2].int {
            return [KerasTensorRef(layer: layer, node: node, tensor: tensor)]
        }
        return parts.flatMap(keras2Tensors)
    }

    /// `input_layers` / `output_layers`: a list of triples, a single triple, or (Keras 3) a dict of them.
    private static func tensorRefs(_ json: KerasJSON?, file: String, what: String) throws -> [KerasTensorRef] {
        let bad = StrataError(.invalidModel, "malformed '\(what)'", at: ErrorLocation(file: file, detail: "model config"))
        guard let json else { throw bad }
        if let object = json.object {
            return try object.keys.sorted().flatMap { try tensorRefs(object[$0], file: file, what: what) }
        }
        guard let items = json.array else { throw bad }
        if items.count >= 3, let layer = items[0].string, let node = items[1].int, let tensor = items[2].int {
            return [KerasTensorRef(layer: layer, node: node, tensor: tensor)]
        }
        return try items.flatMap { try tensorRefs($0, file: file, what: what) }
    }
}
