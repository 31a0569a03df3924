import StrataCore

/// The clamp that the engine's `Relu` and `Clip` kernels apply to float32 values: `y = x < lo ? lo : x`,
/// then `y > hi ? hi : y`. A value equal to a bound is kept as it is (so `−0` stays `−0` at a bound of
/// 0), exactly as those kernels do, and NaN stays NaN.
///
/// `strata stats` uses it to take the statistics of such an op's output from the pass over its input
/// when both are covered (`ActivationStatistics.add(_:deriving:through:)`): after a convolution, half of
/// a mobile network's values are the clamp of the other half, and the histogram lookup, the dearest part
/// of a pass, then serves both.
public struct ClampBounds: Sendable, Equatable {
    /// −∞ when there is no lower bound.
    public let lo: Float
    /// +∞ when there is no upper bound.
    public let hi: Float

    /// nil when a bound is NaN or `lo > hi` (where `Clip` sets every value to `hi`, which this
    /// derivation does not cover).
    public init?(lo: Float, hi: Float) {
        guard !lo.isNaN, !hi.isNaN, lo <= hi else { return nil }
        self.lo = lo
        self.hi = hi
    }

    /// No bound at all.
    static let none = ClampBounds(lo: -.infinity, hi: .infinity)!

    @inline(__always)
    func apply(_ v: Float) -> Float {
        let low = v < lo ? lo : v
        return low > hi ? hi : low
    }

    /// The histogram bucket of `apply(x)` given the bucket `j` of a finite float `x`: buckets grow with
    /// the value, so clamping the value clamps its bucket.
    struct BucketClamp {
        let lo: Int, hi: Int

        @inline(__always)
        func apply(_ j: Int) -> Int { Swift.min(Swift.max(j, lo), hi) }
    }

    var bucketClamp: BucketClamp {
        let table = HistogramTables.float, limits = HistogramTables.floatLimits
        return BucketClamp(lo: lo == -.infinity ? 0 : HistogramBuckets.bucket(lo, table: table, limits: limits),
                           hi: hi == .infinity ? Int.max : HistogramBuckets.bucket(hi, table: table, limits: limits))
    }

    /// The clamp that `node` applies to a float32 input, when it is a `Relu` or a `Clip` whose bounds
    /// are known before the run: attributes (before opset 11), or float32 scalars held in an
    /// initializer the caller cannot override or in a `Constant` node. nil otherwise.
    public static func of(_ node: Node, in graph: Graph) -> ClampBounds? {
        switch node.opType {
        case "Relu":
            return ClampBounds(lo: 0, hi: .infinity)
        case "Clip":
            guard let attributes = try? node.typed(ClipAttributes.self) else { return nil }
            if let bounds = attributes.bounds { return ClampBounds(lo: bounds.low, hi: bounds.high) }
            guard node.inputs.count <= 3, let lo = constantBound(node, 1, graph, missing: -.infinity),
                  let hi = constantBound(node, 2, graph, missing: .infinity) else { return nil }
            return ClampBounds(lo: lo, hi: hi)
        default:
            return nil
        }
    }

    /// The clamp whose result `node` computes, and the value it clamps: a `Relu` or `Clip` of its
    /// first input (`of`), or `Min(Relu(x), c)` with `c` a constant float32 scalar above 0, which is
    /// the clamp of `x` to `[0, c]` (how the Keras importer writes `ReLU(max_value = c)`, MobileNetV2's
    /// ReLU6; at `c = 0` the sign a Min gives a zero would be its own). `producer` gives the node that
    /// computes a value.
    public static func source(of node: Node, in graph: Graph, producer: (String) -> Node?) -> (input: String, bounds: ClampBounds)? {
        if let bounds = of(node, in: graph), let x = node.input(0) { return (x, bounds) }
        guard node.opType == "Min", node.inputs.count == 2 else { return nil }
        for (r, c) in [(node.inputs[0], node.inputs[1]), (node.inputs[1], node.inputs[0])] {
            guard !r.isEmpty, r != c, let relu = producer(r), relu.opType == "Relu", let x = relu.input(0),
                  let high = constantBound(node, node.inputs.firstIndex(of: c)!, graph, missing: .nan),
                  high > 0, let bounds = ClampBounds(lo: 0, hi: high) else { continue }
            return (x, bounds)
        }
        return nil
    }

    /// Input `i` of a `Clip` as a float32 scalar: `missing` when the input is absent (no bound), nil
    /// when it is not a constant float32 scalar.
    private static func constantBound(_ node: Node, _ i: Int, _ graph: Graph, missing: Float) -> Float? {
        guard let name = node.input(i) else { return missing }
        let tensor: Tensor
        if let t = graph.initializers[name] {
            // A graph input with a default may be fed another value.
            guard !graph.inputs.contains(where: { $0.name == name }) else { return nil }
            tensor = t
        } else if let producer = graph.nodes.first(where: { $0.outputs.contains(name) }), producer.opType == "Constant",
                  let value = try? producer.typed(ConstantAttributes.self).value {
            tensor = value
        } else {
            return nil
        }
        guard tensor.dtype == .float32, tensor.count == 1 else { return nil }
        return tensor.pointer(as: Float.self)[0]
    }
}
