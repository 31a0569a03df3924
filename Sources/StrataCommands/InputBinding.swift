import Foundation
import StrataCore
import StrataExport

/// Matches `--input` arguments to a graph's runtime inputs and reads their `.npy` files.
///
/// `NAME=FILE.npy` binds by name when NAME is one of the inputs; any other argument is positional
/// and binds to the next input (in `graph.runtimeInputs` order) not bound by name. An argument with
/// `=` whose prefix is no input name is still taken as a file when that whole path exists.
/// A bfloat16 input may be given as float32 data (the form Strata writes bfloat16 in); it is
/// rounded to bfloat16. A low-bit input (float8, float4, int4, int2, …) is given in the form
/// Strata writes it in (`NPYDescriptor.storedDType`) and narrowed by `NPYFile.lowBit`.
///
/// An input of sequence type takes a folder holding `0.npy`, `1.npy`, … (its elements in order; an
/// empty folder is an empty sequence). An optional input takes what it holds (a `.npy` file, or a
/// folder for an optional sequence) and, when no argument is left for it, is an empty optional.
struct InputBinding {
    struct Bound {
        var info: ValueInfo
        var file: String
        var tensor: Tensor
    }

    /// A sequence or optional input: the file or folder it came from and its value.
    struct BoundValue {
        var info: ValueInfo
        var file: String?
        var value: Value
    }

    /// The tensor inputs.
    let bound: [Bound]
    /// The sequence and optional inputs, in input order.
    let values: [BoundValue]

    /// The most elements a sequence input folder may hold.
    static let maximumSequenceLength = 100_000

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
        var values: [BoundValue] = []
        var next = positional.makeIterator()
        for input in inputs {
            if let file = byName[input.name] {
                files.append((input, file))
            } else if let file = next.next() {
                files.append((input, file))
            } else if input.type.isOptional {
                values.append(BoundValue(info: input, file: nil, value: .optional(nil, element: input.type.element!)))
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
        var bound: [Bound] = []
        for (info, file) in files {
            if info.type.isTensor {
                bound.append(Bound(info: info, file: file, tensor: try Self.read(file, info.type)))
            } else {
                values.append(BoundValue(info: info, file: file, value: try Self.value(file, info)))
            }
        }
        self.bound = bound
        let order = Dictionary(uniqueKeysWithValues: inputs.enumerated().map { ($1.name, $0) })
        self.values = values.sorted { order[$0.info.name]! < order[$1.info.name]! }
    }

    private static func read(_ file: String, _ type: ValueType) throws -> Tensor {
        var tensor = try NPYFile.read(file)
        if type.dtype == .bfloat16, tensor.dtype == .float32 { tensor = try NPYFile.bfloat16(fromFloat32: tensor) }
        if type.dtype.isLowBit { tensor = try NPYFile.lowBit(type.dtype, from: tensor, file) }
        return tensor
    }

    /// The value of a sequence or optional input from `path`: a folder of `<k>.npy` files for a
    /// sequence, what the optional holds for an optional.
    private static func value(_ path: String, _ info: ValueInfo) throws -> Value {
        if info.type.isOptional {
            let element = info.type.element!
            return .some(element.isTensor ? .tensor(try read(path, element)) : try sequence(path, element, input: info.name))
        }
        return try sequence(path, info.type, input: info.name)
    }

    private static func sequence(_ folder: String, _ type: ValueType, input: String) throws -> Value {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw StrataError(.invalidInput, "input '\(input)' is \(ModelSummary.describe(type)): give a folder holding 0.npy, 1.npy, … "
                              + "(one file per element), not '\(folder)'")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".npy") }
        guard names.count <= maximumSequenceLength else {
            throw StrataError(.invalidInput, "input '\(input)': the folder holds \(names.count) .npy files, more than the "
                              + "\(maximumSequenceLength) elements a sequence input may have")
        }
        let expected = Set((0..<names.count).map { "\($0).npy" })
        if let odd = names.sorted().first(where: { !expected.contains($0) }) {
            throw StrataError(.invalidInput, "input '\(input)': the folder's files must be 0.npy … \(names.count - 1).npy, one per element; found '\(odd)'")
        }
        let elements = try (0..<names.count).map { try read(folder + "/\($0).npy", type.element!) }
        do {
            return .sequence(try TensorSequence(dtype: type.dtype, elements: elements))
        } catch let error as StrataError {
            throw StrataError(error.kind, "input '\(input)': \(error.message)")
        }
    }

    private static func list(_ inputs: [ValueInfo]) -> String {
        inputs.isEmpty ? "none" : inputs.map { "\($0.name) \(ModelSummary.describe($0.type))" }.joined(separator: ", ")
    }
}
