import StrataCore

/// The colour family of a diagram box: the op categories of the registry, plus the graph's
/// boundary values and weights.
public enum DiagramCategory: String, Sendable, CaseIterable {
    case input, output
    case convolution, pooling, normalization, activation, merge, dense, reshape
    case attention, recurrent, elementwise, reduction, shape, constant, weight, other

    public init(_ category: OpCategory) {
        switch category {
        case .convolution: self = .convolution
        case .pooling: self = .pooling
        case .normalization: self = .normalization
        case .activation: self = .activation
        case .elementwise: self = .elementwise
        case .merge: self = .merge
        case .dense: self = .dense
        case .reshape: self = .reshape
        case .recurrent: self = .recurrent
        case .attention: self = .attention
        case .reduction: self = .reduction
        case .constant: self = .constant
        case .shape: self = .shape
        case .other: self = .other
        }
    }

    /// Fill colour (pastel, so black text stays readable).
    public var fillColor: String {
        switch self {
        case .input: return "#d9d9d9"
        case .output: return "#bdbdbd"
        case .convolution: return "#9ecae1"
        case .pooling: return "#c6dbef"
        case .normalization: return "#fdd0a2"
        case .activation: return "#fff2a8"
        case .merge: return "#c7e9c0"
        case .dense: return "#bcbddc"
        case .reshape: return "#f2f2f2"
        case .attention: return "#fbb4ae"
        case .recurrent: return "#f4a6c6"
        case .elementwise: return "#e5f5e0"
        case .reduction: return "#d0c4e4"
        case .shape: return "#ececec"
        case .constant: return "#f7f7f7"
        case .weight: return "#fafafa"
        case .other: return "#ffffff"
        }
    }

    /// How strongly a category describes a layer made of several ops (a Keras `Dense` with a
    /// `relu` is a dense layer): lower wins.
    var precedence: Int {
        switch self {
        case .input: return 0
        case .output: return 1
        case .convolution: return 2
        case .attention: return 3
        case .recurrent: return 4
        case .dense: return 5
        case .pooling: return 6
        case .normalization: return 7
        case .merge: return 8
        case .reduction: return 9
        case .reshape: return 10
        case .activation: return 11
        case .elementwise: return 12
        case .shape: return 13
        case .constant: return 14
        case .weight: return 15
        case .other: return 16
        }
    }
}
