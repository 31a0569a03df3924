import StrataCore

extension Engine {
    /// The graph inputs for one run: `given` checked against the declared types, plus the
    /// initializer defaults of inputs not given.
    ///
    /// Every input without a default must be given, with the declared dtype and rank, the
    /// declared size in every known dimension, and one size per dimension symbol across all inputs.
    func validatedInputs(_ given: [String: Tensor]) throws -> [String: Tensor] {
        let graph = model.graph
        let declared = Set(graph.inputs.map(\.name))
        for name in given.keys.sorted() where !declared.contains(name) {
            let names = graph.runtimeInputs.map(\.name).joined(separator: ", ")
            throw StrataError(.invalidInput, "unknown input '\(name)'; the model's inputs are: \(names)")
        }
        var feeds: [String: Tensor] = [:]
        var bindings: [String: (size: Int, input: String)] = [:]
        for input in graph.inputs {
            guard let tensor = given[input.name] else {
                if let value = graph.initializers[input.name] {
                    feeds[input.name] = value
                    continue
                }
                throw StrataError(.invalidInput, "missing input '\(input.name)' (\(input.type))")
            }
            let mismatch = StrataError(.invalidInput, "input '\(input.name)': expected \(input.type), got \(tensor.type)")
            guard tensor.dtype == input.type.dtype else { throw mismatch }
            if let shape = input.type.shape {
                guard shape.count == tensor.rank else { throw mismatch }
                for (dim, size) in zip(shape, tensor.shape) {
                    switch dim {
                    case .known(let expected):
                        guard expected == size else { throw mismatch }
                    case .symbol(let symbol):
                        if let bound = bindings[symbol], bound.size != size {
                            throw StrataError(.invalidInput, "input '\(input.name)': expected \(input.type), got \(tensor.type) "
                                              + "(\(symbol) is \(bound.size) from input '\(bound.input)')")
                        }
                        if bindings[symbol] == nil { bindings[symbol] = (size, input.name) }
                    }
                }
            }
            feeds[input.name] = tensor
        }
        return feeds
    }
}
