import StrataCore

extension Graph {
    /// The ONNX file's own layers: one row per node in file order, named as the node, with the op's
    /// registry category, the elements of its initializer inputs as parameters (each initializer once
    /// per node) and the nodes or graph inputs producing its other inputs.
    func onnxSourceLayers() -> [SourceLayer] {
        var producer: [String: String] = [:]
        for input in inputs { producer[input.name] = input.name }
        for node in nodes {
            for output in node.outputs where !output.isEmpty { producer[output] = node.name }
        }
        return nodes.map { node in
            var parameters = 0
            var weights: Set<String> = []
            var sources: [String] = []
            for value in node.inputs where !value.isEmpty {
                if let tensor = initializers[value] {
                    if weights.insert(value).inserted { parameters += tensor.count }
                } else if let source = producer[value], !sources.contains(source) {
                    sources.append(source)
                }
            }
            let inDefaultDomain = node.domain.isEmpty || node.domain == "ai.onnx"
            return SourceLayer(
                path: [node.name], className: inDefaultDomain ? node.opType : node.domain + "::" + node.opType,
                category: OpRegistry.schema(node.opType, domain: node.domain)?.category,
                trainableParameters: parameters, connectedTo: sources)
        }
    }
}
