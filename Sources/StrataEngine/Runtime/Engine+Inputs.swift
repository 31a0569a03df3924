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
    ///
    /// Inputs of sequence or optional type come in `containers`, each of the declared kind and
    /// dtype; an optional input given nowhere is an empty optional.
    func validatedInputs(_ given: [String: Tensor], containers: [String: Value] = [:]) throws -> ([String: Tensor], [String: Value]) {
        let graph = self.graph
        let declared = Set(graph.inputs.map(\.name))
        for name in (Array(given.keys) + Array(containers.keys)).sorted() where !declared.contains(name) {
            let names = graph.runtimeInputs.map(\.name).joined(separator: ", ")
            throw StrataError(.invalidInput, "unknown input '\(name)'; the model's inputs are: \(names)")
        }
        var feeds: [String: Tensor] = [:]
        var containerFeeds: [String: Value] = [:]
        var bindings: [String: (size: Int, input: String)] = [:]
        for input in graph.inputs {
            if !input.type.isTensor {
                containerFeeds[input.name] = try Engine.checkedContainer(containers[input.name], given[input.name], for: input)
                continue
            }
            if let value = containers[input.name] {
                throw StrataError(.invalidInput, "input '\(input.name)': expected \(input.type), got \(value.type)")
            }
            guard let tensor = given[input.name] else {
                if let value = graph.initializers[input.name] {
                    feeds[input.name] = value
                    continue
                }
                throw StrataError(.invalidInput, "missing input '\(input.name)' (\(input.type))")
            }
            // Built only when thrown: the message costs more than the checks of a run's inputs.
            var mismatch: StrataError { StrataError(.invalidInput, "input '\(input.name)': expected \(input.type), got \(tensor.type)") }
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
        return (feeds, containerFeeds)
    }

    /// A sequence or optional graph input checked against its declared type: the same kind and
    /// dtype (an optional may be given its element, which it then holds, or nothing: empty).
    static func checkedContainer(_ value: Value?, _ tensor: Tensor?, for input: ValueInfo) throws -> Value {
        let given = value ?? tensor.map(Value.tensor)
        guard let given else {
            guard input.type.isOptional else { throw StrataError(.invalidInput, "missing input '\(input.name)' (\(input.type))") }
            return .optional(nil, element: input.type.element!)
        }
        let mismatch = StrataError(.invalidInput, "input '\(input.name)': expected \(input.type), got \(given.type)")
        var value = given
        if input.type.isOptional, case .optional = given {} else if input.type.isOptional {
            value = .optional(given, element: input.type.element!)
        }
        guard value.type.dtype == input.type.dtype, value.type.containers == input.type.containers || isEmptyOptional(value) else {
            throw mismatch
        }
        return value
    }

    private static func isEmptyOptional(_ value: Value) -> Bool {
        if case .optional(nil, _) = value { return true }
        return false
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
