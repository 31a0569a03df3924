import StrataCore

extension KerasLayerContext {
    /// A context for the layer a wrapper holds (`{"class_name": …, "config": …}` in the wrapper's
    /// config): its nodes are named `<wrapper path>/<inner name>`, it sees the wrapper's variables
    /// `variableRange` (Keras stores a wrapper's variables as its inner layers' in order) and `inputs`.
    func innerLayer(_ json: KerasJSON?, key: String, inputs: [String], kwargTensors: [String: [String]] = [:], variableRange: Range<Int>? = nil,
                    config override: KerasJSON? = nil) throws -> (context: KerasLayerContext, lowering: KerasLayerLowering) {
        guard let json, let className = json["class_name"]?.string, let config = override ?? json["config"], config.object != nil else {
            throw optionError(key, "expected a layer object with 'class_name' and 'config'", kind: .invalidModel)
        }
        if KerasLayerTable.codeCarrying.contains(className) {
            throw optionError(key, "layer class '\(className)' runs Python code stored in the model; Strata never runs code from a model file")
        }
        guard let lowering = KerasLayerTable.lowerings[className] else {
            throw optionError(key, "layer class '\(className)' is not supported (custom or unknown class)")
        }
        let name = config["name"]?.string ?? key
        let range = variableRange ?? 0 ..< variableCount
        guard range.upperBound <= variableCount else {
            throw error("the file stores \(variableCount) weights but the wrapped layers need \(range.upperBound)")
        }
        let variables = try range.map { try declaredWeight($0, "\(name) weight \($0 - range.lowerBound)").renamed("\(name) weight \($0 - range.lowerBound)") }
        let spec = KerasLayerSpec(className: className, name: name, config: config, calls: [], nested: nil)
        let context = KerasLayerContext(
            spec: spec, path: "\(path)/\(name)", call: call, inputs: inputs, kwargTensors: kwargTensors, kwargs: kwargs,
            kerasMajor: kerasMajor, builder: builder, variables: variables, sharedValues: SharedValues())
        return (context, lowering)
    }
}
