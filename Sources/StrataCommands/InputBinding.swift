import Foundation
import StrataCore
import StrataExport

/// Matches `--input` arguments to a graph's runtime inputs and reads their `.npy` files.
///
/// `NAME=FILE.npy` binds by name when NAME is one of the inputs; any other argument is positional
/// and binds to the next input (in `graph.runtimeInputs` order) not bound by name. An argument with
/// `=` whose prefix is no input name is still taken as a file when that whole path exists.
/// A bfloat16 input may be given as float32 data (the form Strata writes bfloat16 in); it is
/// rounded to bfloat16.
struct InputBinding {
    struct Bound {
        var info: ValueInfo
        var file: String
        var tensor: Tensor
    }

    let bound: [Bound]

    init(arguments: [String], graph: Graph, fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws {
        try self.init(arguments: arguments, inputs: graph.runtimeInputs, fileExists: fileExists)
    }

    /// Binds `arguments` to `inputs` only (the inputs images do not feed).
    init(arguments: [String], inputs: [ValueInfo], fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws {
        let names = Set(inputs.map(\.name))
        var byName: [String: String] = [:]
        var positional: [String] = []
        for argument in arguments {
            if let eq = argument.firstIndex(of: "=") {
                let name = String(argument[..<eq])
                if names.contains(name) {
                    guard byName[name] == nil else {
                        throw StrataError(.invalidInput, "input '\(name)' is given more than once")
                    }
                    byName[name] = String(argument[argument.index(after: eq)...])
                    continue
                }
                if !fileExists(argument) {
                    throw StrataError(.invalidInput, "the model has no input named '\(name)'; its inputs are: \(Self.list(inputs))")
                }
            }
            positional.append(argument)
        }
        var files: [(ValueInfo, String)] = []
        var next = positional.makeIterator()
        for input in inputs {
            if let file = byName[input.name] {
                files.append((input, file))
            } else if let file = next.next() {
                files.append((input, file))
            } else {
                throw StrataError(
                    .invalidInput,
                    "missing input '\(input.name)' (\(ModelSummary.describe(input.type))); pass --input \(input.name)=FILE.npy")
            }
        }
        if next.next() != nil {
            throw StrataError(
                .invalidInput, "\(arguments.count) input files given but the model takes \(inputs.count): \(Self.list(inputs))")
        }
        bound = try files.map { info, file in
            var tensor = try NPYFile.read(file)
            if info.type.dtype == .bfloat16, tensor.dtype == .float32 { tensor = try NPYFile.bfloat16(fromFloat32: tensor) }
            return Bound(info: info, file: file, tensor: tensor)
        }
    }

    private static func list(_ inputs: [ValueInfo]) -> String {
        inputs.isEmpty ? "none" : inputs.map { "\($0.name) \(ModelSummary.describe($0.type))" }.joined(separator: ", ")
    }
}
