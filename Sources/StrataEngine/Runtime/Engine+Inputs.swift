import Foundation
import StrataCore

extension Engine {
    /// The graph inputs for one run: `given` checked against the declared types, plus the
    /// initializer defaults of inputs not given.
    ///
    /// Every input without a default must be given, with the declared dtype and rank and the
    /// declared size in every known dimension. Symbolic dimensions are read as onnxruntime reads
    /// them: `?` is an unknown of its own each time, and a name shared by several dimensions is a
    /// hint that they agree; where the given sizes disagree the run goes on, with a notice.
    func validatedInputs(_ given: [String: Tensor]) throws -> [String: Tensor] {
        let graph = self.graph
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
                        if dim.isAnonymous { continue }
                        if let bound = bindings[symbol] {
                            if bound.size != size {
                                notice("dimension '\(symbol)' is \(bound.size) in input '\(bound.input)' and \(size) in input "
                                       + "'\(input.name)'; a shared name is only a hint, so each input keeps its size")
                            }
                        } else {
                            bindings[symbol] = (size, input.name)
                        }
                    }
                }
            }
            feeds[input.name] = tensor
        }
        return feeds
    }

    /// Gives `text` to `EngineOptions.notice` (or standard error) unless this engine gave it before.
    func notice(_ text: String) {
        let place = model.path.isEmpty ? "" : model.path + ": "
        let message = place + text
        guard noticesGiven.withLock({ $0.insert(message).inserted }) else { return }
        if let handler = options.notice {
            handler(message)
        } else {
            FileHandle.standardError.write(Data("strata: note: \(message)\n".utf8))
        }
    }
}
