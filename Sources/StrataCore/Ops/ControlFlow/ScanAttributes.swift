/// The attributes of `Scan` other than its `body` graph, which consumers read as a subgraph
/// (`Node.requiredSubgraph("body")`): the required `num_scan_inputs` (≥ 1); opset 8's per-input
/// `directions`; from opset 9 `scan_input_axes`, `scan_input_directions`, `scan_output_axes` and
/// `scan_output_directions`. Each list is optional (absent: axis 0, forward); its length depends on
/// the body, so the kernel and type rule check it. Directions are 0 (forward) or 1 (reverse).
public struct ScanAttributes: OpAttributes {
    public static let names = ["num_scan_inputs", "directions", "scan_input_axes", "scan_input_directions",
                               "scan_output_axes", "scan_output_directions"]

    public var numScanInputs: Int
    /// Opset 8's `directions`, one per scan input.
    public var directions: [Int]?
    public var inputAxes: [Int]?
    public var inputDirections: [Int]?
    public var outputAxes: [Int]?
    public var outputDirections: [Int]?

    public init(node: Node) throws {
        numScanInputs = try node.requiredInt("num_scan_inputs")
        guard numScanInputs >= 1 else {
            throw node.attributeError("num_scan_inputs", "must be at least 1, found \(numScanInputs)")
        }
        func directionList(_ name: String) throws -> [Int]? {
            let given = try node.ints(name)
            if let bad = given?.first(where: { $0 != 0 && $0 != 1 }) {
                throw node.attributeError(name, "\(bad) is not a direction (0 forward, 1 reverse)")
            }
            return given
        }
        if node.opset < 9 {
            directions = try directionList("directions")
        } else {
            inputAxes = try node.ints("scan_input_axes")
            inputDirections = try directionList("scan_input_directions")
            outputAxes = try node.ints("scan_output_axes")
            outputDirections = try directionList("scan_output_directions")
        }
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["num_scan_inputs": .int(numScanInputs)]
        let lists = [("directions", directions), ("scan_input_axes", inputAxes), ("scan_input_directions", inputDirections),
                     ("scan_output_axes", outputAxes), ("scan_output_directions", outputDirections)]
        for case let (name, list?) in lists { v[name] = .ints(list) }
        return v
    }
}
