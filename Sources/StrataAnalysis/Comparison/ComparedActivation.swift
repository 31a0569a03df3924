import StrataCore

/// One activation of a model taking part in a comparison: its values in the model's own layout, the
/// names it can be found by, and where it sits in the model's graph.
///
/// A model's activations are given as an array in graph (topological) order; `inputs` holds the
/// indices, in that array, of the nearest activations it is computed from, so every entry of
/// `inputs` is smaller than the activation's own index.
public struct ComparedActivation: Sendable {
    /// The name shown in reports: a layer name (with `:output` and `@call` when not 0) or a tensor name.
    public var name: String
    /// Other names of the same value: the producing node's name, the tensor's name, layer-map names.
    public var aliases: [String]
    public var shape: [Int]
    /// The values in row-major order of `shape`, as `Float`.
    public var values: [Float]
    /// Indices of the nearest upstream activations of the same model.
    public var inputs: [Int]
    /// Names of the constants (weights) the producing node reads; they tell which layers a converter
    /// fused into this node.
    public var constants: [String]

    public init(name: String, aliases: [String] = [], shape: [Int], values: [Float], inputs: [Int] = [], constants: [String] = []) {
        precondition(shape.reduce(1, *) == values.count, "ComparedActivation: values do not fill the shape")
        self.name = name
        self.aliases = aliases
        self.shape = shape
        self.values = values
        self.inputs = inputs
        self.constants = constants
    }

    /// An activation holding `tensor`'s values converted to `Float`.
    public init(name: String, aliases: [String] = [], tensor: Tensor, inputs: [Int] = [], constants: [String] = []) {
        self.init(name: name, aliases: aliases, shape: tensor.shape, values: tensor.floatArray(), inputs: inputs, constants: constants)
    }

    /// Every name of the activation: `name` first, then the aliases.
    var allNames: [String] { [name] + aliases }

    /// True when all values are equal (or there are none): such a tensor says nothing about which
    /// tensor of the other model it is.
    var isConstant: Bool {
        guard let first = values.first else { return true }
        return values.allSatisfy { $0 == first || ($0.isNaN && first.isNaN) }
    }
}
