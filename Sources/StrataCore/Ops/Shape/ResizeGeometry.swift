/// The output shape, per-axis scale and region of interest of a Resize or Upsample, resolved from
/// its `scales` or `sizes`, `axes`, `roi` and `keep_aspect_ratio_policy` against a concrete input shape.
public struct ResizeGeometry: Sendable {
    public var outputShape: [Int]
    /// Scale per axis of the input (1 for axes not resized).
    public var scales: [Double]
    /// `[start_0 … start_{r-1}, end_0 … end_{r-1}]` in normalised coordinates, per input axis.
    public var roi: [Double]

    /// - Parameters:
    ///   - scales: one per entry of `axes` (or per input axis), or nil when `sizes` is given.
    ///   - sizes: one per entry of `axes` (or per input axis), or nil when `scales` is given.
    ///   - axes: the axes `scales`, `sizes` and `roi` refer to; nil for all.
    ///   - roi: `[starts…, ends…]` for `axes`, or nil / empty.
    public init(
        input: [Int], scales: [Float]?, sizes: [Int]?, axes: [Int]?, roi: [Float]?,
        keepAspectRatioPolicy: String = "stretch", node: Node
    ) throws {
        let rank = input.count
        let axisList = try ShapeAlgebra.normalizeAxes(axes ?? Array(0..<rank), rank: rank, node: node)
        var scaleList = [Double](repeating: 1, count: rank)
        var out = input
        if let sizes {
            guard sizes.count == axisList.count else {
                throw node.error("sizes has \(sizes.count) values for \(axisList.count) axes")
            }
            if sizes.contains(where: { $0 < 0 }) { throw node.error("sizes has a negative value") }
            for (i, a) in axisList.enumerated() {
                out[a] = sizes[i]
                scaleList[a] = input[a] == 0 ? 1 : Double(sizes[i]) / Double(input[a])
            }
            switch keepAspectRatioPolicy {
            case "stretch":
                break
            case "not_larger", "not_smaller":
                let picked = axisList.map { scaleList[$0] }
                let scale = (keepAspectRatioPolicy == "not_larger" ? picked.min() : picked.max()) ?? 1
                for a in axisList {
                    scaleList[a] = scale
                    out[a] = try Self.size(scale * Double(input[a]) + 0.5, node: node)
                }
            default:
                throw node.attributeError("keep_aspect_ratio_policy", "unknown policy '\(keepAspectRatioPolicy)'")
            }
        } else if let scales {
            guard scales.count == axisList.count else {
                throw node.error("scales has \(scales.count) values for \(axisList.count) axes")
            }
            for (i, a) in axisList.enumerated() {
                let s = Double(scales[i])
                guard s > 0, s.isFinite else { throw node.error("scale \(scales[i]) is not positive") }
                scaleList[a] = s
                out[a] = try Self.size(s * Double(input[a]), node: node)
            }
        } else {
            throw node.error("neither scales nor sizes is given")
        }
        var fullROI = [Double](repeating: 0, count: rank) + [Double](repeating: 1, count: rank)
        if let roi, !roi.isEmpty {
            guard roi.count == 2 * axisList.count else {
                throw node.error("roi has \(roi.count) values for \(axisList.count) axes")
            }
            for (i, a) in axisList.enumerated() {
                fullROI[a] = Double(roi[i])
                fullROI[rank + a] = Double(roi[axisList.count + i])
            }
        }
        self.outputShape = out
        self.scales = scaleList
        self.roi = fullROI
    }

    /// `floor(value)` as an output size; sizes beyond 2^40 are an error rather than a trap.
    static func size(_ value: Double, node: Node) throws -> Int {
        guard value.isFinite, value >= 0, value < Double(1 << 40) else {
            throw node.error("the output size \(value) is out of range")
        }
        return Int(value.rounded(.down))
    }

    /// The output dims when the input shape may be symbolic: a symbolic axis keeps its symbol when
    /// its scale is 1 or it is not resized; any other unknown makes the result nil.
    public static func outputDims(
        input: [Dim], scales: [Float]?, sizes: [Int]?, axes: [Int]?, keepAspectRatioPolicy: String, node: Node
    ) throws -> [Dim]? {
        if let concrete = input.concrete {
            return try ResizeGeometry(input: concrete, scales: scales, sizes: sizes, axes: axes, roi: nil,
                                      keepAspectRatioPolicy: keepAspectRatioPolicy, node: node).outputShape.dims
        }
        let axisList = try ShapeAlgebra.normalizeAxes(axes ?? Array(0..<input.count), rank: input.count, node: node)
        var out = input
        if let sizes {
            guard keepAspectRatioPolicy == "stretch" else { return nil }
            guard sizes.count == axisList.count else {
                throw node.error("sizes has \(sizes.count) values for \(axisList.count) axes")
            }
            for (i, a) in axisList.enumerated() { out[a] = .known(sizes[i]) }
        } else if let scales {
            guard scales.count == axisList.count else {
                throw node.error("scales has \(scales.count) values for \(axisList.count) axes")
            }
            for (i, a) in axisList.enumerated() {
                switch input[a] {
                case .known(let d): out[a] = .known(try size(Double(scales[i]) * Double(d), node: node))
                case .symbol(let name):
                    // The size is floor(d·scale) for the run-time d; a named symbol keeps the rank and
                    // lets equal resizes of equal axes agree.
                    let scale = scales[i]
                    guard scale > 0, scale.isFinite else { return nil }
                    if scale == 1 { continue }
                    let base = name.contains(where: { "+-*/".contains($0) }) ? "(\(name))" : name
                    out[a] = scale == scale.rounded() ? .symbol("\(base)*\(Int(scale))") : .symbol("floor(\(base)*\(scale))")
                }
            }
        } else {
            return nil
        }
        return out
    }
}
