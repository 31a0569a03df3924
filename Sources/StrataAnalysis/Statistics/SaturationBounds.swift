import StrataCore

/// The range a layer's outputs cannot leave, for layers that saturate: a unit is saturated when at
/// least 99 % of its values lie within `tolerance` of `lo` or `hi`.
public struct SaturationBounds: Sendable, Hashable {
    public let lo: Double
    public let hi: Double

    /// How close to a bound counts as "at" it: `|x − lo| ≤ 1e-3` or `|x − hi| ≤ 1e-3`, in double.
    public static let tolerance = 1e-3

    public init(lo: Double, hi: Double) {
        self.lo = lo
        self.hi = hi
    }

    /// Whether `x` is within `tolerance` of either bound (never for NaN or ±∞).
    @inline(__always)
    func contains(_ x: Double) -> Bool {
        abs(x - lo) <= Self.tolerance || abs(x - hi) <= Self.tolerance
    }

    /// Ops the bounds pass through unchanged: they move or copy values without changing them.
    static let passThrough: Set<String> = ["Identity", "Dropout", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze"]

    /// The bounds of the value `tensor`, from the op that produces it: `Sigmoid`, `HardSigmoid` and
    /// `Softmax` → [0, 1]; `Tanh` and `Softsign` → [−1, 1]; `Clip` with constant min and max (ReLU6) →
    /// [min, max]. Ops that only move values (`Identity`, `Dropout`, `Reshape`, `Flatten`, `Transpose`,
    /// `Squeeze`, `Unsqueeze`) and `Cast` to a float type are followed back to the op before them.
    /// nil for every other op, for graph inputs and initializers, and for a `Clip` missing a bound.
    public static func of(tensor: String, in graph: Graph) -> SaturationBounds? {
        of(tensor: tensor, constants: GraphConstants(graph))
    }

    static func of(tensor: String, constants: GraphConstants) -> SaturationBounds? {
        var value = tensor
        for _ in 0 ... constants.graph.nodes.count {
            guard let node = constants.producer(of: value) else { return nil }
            switch node.opType {
            case "Sigmoid", "HardSigmoid", "Softmax": return SaturationBounds(lo: 0, hi: 1)
            case "Tanh", "Softsign": return SaturationBounds(lo: -1, hi: 1)
            case "Clip": return clipBounds(node, constants)
            case "Cast":
                guard let dtype = (try? node.typed(CastAttributes.self))?.target, dtype.isFloatingPoint else { return nil }
            default:
                guard passThrough.contains(node.opType) else { return nil }
            }
            guard let input = node.input(0) else { return nil }
            value = input
        }
        return nil
    }

    /// `Clip`'s bounds: inputs 1 and 2 from opset 11, the `min`/`max` attributes before; both must be known.
    private static func clipBounds(_ node: Node, _ constants: GraphConstants) -> SaturationBounds? {
        guard let attributes = try? node.typed(ClipAttributes.self) else { return nil }
        func bound(_ input: Int, _ attributeBound: Float?) -> Double? {
            if let attributeBound {
                // The attributes' defaults (∓FLT_MAX) stand for no bound at all.
                return abs(attributeBound) == .greatestFiniteMagnitude ? nil : Double(attributeBound)
            }
            guard let name = node.input(input), let t = try? constants.floats(name), t.count == 1 else { return nil }
            return Double(t.pointer(as: Float.self)[0])
        }
        guard let lo = bound(1, attributes.bounds?.low), let hi = bound(2, attributes.bounds?.high), lo.isFinite, hi.isFinite, lo <= hi else { return nil }
        return SaturationBounds(lo: lo, hi: hi)
    }
}
