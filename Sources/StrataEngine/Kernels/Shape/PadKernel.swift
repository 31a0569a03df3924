import StrataCore

/// Pad: modes `constant` (default), `reflect`, `edge` and `wrap`; negative pads crop. Before
/// opset 11 `pads` and `value` are attributes; after, `pads`, `constant_value` and (opset 18+)
/// `axes` are inputs. Every mode is an index-table copy.
struct PadKernel: Kernel {
    typealias Mode = PadAttributes.Mode

    let node: Node
    let mode: Mode
    let attributePads: [Int]?
    let attributeValue: Double

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(PadAttributes.self)
        mode = attributes.mode
        attributePads = attributes.pads
        attributeValue = Double(attributes.value ?? 0)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard let pads = try attributePads ?? args.ints(1, "pads") else { throw node.error("pads input is missing") }
        let axes = node.opset >= 18 ? try args.ints(3, "axes") : nil
        let amounts = try ShapeTypeRules.padAmounts(pads, axes: axes, rank: x.rank, node: node)
        var fill = try ScalarElement.make(attributeValue, dtype: x.dtype)
        if node.opset >= 11, let value = args.optional(2) {
            guard value.dtype == x.dtype, value.count == 1 else {
                throw node.error("constant_value must be one \(x.dtype.rawValue) element", kind: .invalidInput)
            }
            fill = value
        }
        var outShape: [Int] = []
        for (d, p) in amounts.enumerated() {
            let n = x.shape[d]
            let m = n + p.before + p.after
            guard m >= 0 else {
                throw node.error("padding axis \(d) of size \(n) by \(p) leaves a negative size", kind: .invalidInput)
            }
            if n == 0 && m > 0 && mode != .constant {
                throw node.error("cannot pad the empty axis \(d) in \(mode.rawValue) mode", kind: .invalidInput)
            }
            outShape.append(m)
        }
        if try OutputBudget.check(outShape, x.dtype, node: node) == 0 { return [try Tensor(dtype: x.dtype, shape: outShape)] }
        let maps = amounts.enumerated().map { d, p in
            (0..<outShape[d]).map { j in source(j - p.before, size: x.shape[d]) }
        }
        return [try AxisMapGather(maps: maps).run(x, fill: fill, context: context)]
    }

    /// The input index an output position at input coordinate `i` reads, or -1 for the fill value.
    func source(_ i: Int, size n: Int) -> Int {
        if i >= 0 && i < n { return i }
        switch mode {
        case .constant: return -1
        case .edge: return i < 0 ? 0 : n - 1
        case .wrap: return ((i % n) + n) % n
        case .reflect:
            if n == 1 { return 0 }
            let period = 2 * (n - 1)
            let k = ((i % period) + period) % period
            return k < n ? k : period - k
        }
    }
}
