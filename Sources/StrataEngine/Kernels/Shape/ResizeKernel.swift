import StrataCore

/// Resize (opset 10+) and Upsample (7–9): nearest, linear and cubic interpolation, one axis at a
/// time, with every ONNX coordinate transformation mode, nearest rounding mode, `axes`,
/// `keep_aspect_ratio_policy`, `exclude_outside`, `antialias` and `tf_crop_and_resize` extrapolation.
///
/// Nearest works for every dtype (an index-table copy); linear and cubic compute in float32 and
/// take any floating-point dtype.
/// Upsample and Resize-10 map coordinates asymmetrically and round nearest down when enlarging,
/// up when shrinking, as onnxruntime does for them.
struct ResizeKernel: Kernel {
    let node: Node
    let settings: ResizeSettings
    let attributeScales: [Float]?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(ResizeAttributes.self)
        settings = ResizeSettings(attributes)
        attributeScales = attributes.scales
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        let (geometry, axes) = try plan(for: x.shape, inputs)
        if try OutputBudget.check(geometry.outputShape, x.dtype, node: node) == 0 {
            return [try Tensor(dtype: x.dtype, shape: geometry.outputShape)]
        }
        for a in 0..<x.rank where x.shape[a] == 0 && geometry.outputShape[a] > 0 {
            throw node.error("cannot resize the empty axis \(a) to size \(geometry.outputShape[a])", kind: .invalidInput)
        }
        let fill = try ScalarElement.make(Double(settings.extrapolationValue), dtype: x.dtype)
        if settings.mode == .nearest {
            var maps = x.shape.map { Array(0..<$0) }
            for a in axes {
                let taps = settings.taps(inputSize: x.shape[a], outputSize: geometry.outputShape[a], scale: geometry.scales[a],
                                         roi: (geometry.roi[a], geometry.roi[x.rank + a]))
                maps[a] = taps.map { $0.extrapolated ? -1 : $0.nearest }
            }
            return [try AxisMapGather(maps: maps).run(x, fill: fill, context: context)]
        }
        guard x.dtype.isFloatingPoint else {
            throw node.error("\(settings.mode.rawValue) Resize of \(x.dtype.rawValue) is not supported (floating point only)",
                             kind: .unsupported)
        }
        if axes.isEmpty { return [x] }
        var current = try x.converted(to: .float32, context: context)
        for a in axes {
            let taps = settings.taps(inputSize: x.shape[a], outputSize: geometry.outputShape[a], scale: geometry.scales[a],
                                     roi: (geometry.roi[a], geometry.roi[x.rank + a]))
            current = try ResizeAxisPass(axis: a, taps: taps, fill: settings.extrapolationValue).run(current, context: context)
        }
        return [try current.converted(to: x.dtype, context: context)]
    }

    /// The output geometry for an input of `shape` (scales, sizes and roi read from `inputs`) and the
    /// axes that actually change; shared by `run` and the backward rule.
    func plan(for shape: [Int], _ inputs: [Tensor?]) throws -> (ResizeGeometry, [Int]) {
        let args = KernelInputs(inputs, node: node)
        var scales: [Float]? = attributeScales
        var sizes: [Int]? = nil
        var roi: [Float]? = nil
        if node.opType == "Upsample" || node.opset < 11 {
            if scales == nil { scales = args.optional(1)?.floats() }
        } else {
            roi = args.optional(1)?.floats()
            scales = args.optional(2)?.floats()
            sizes = try args.ints(3, "sizes")
        }
        if scales?.isEmpty == true { scales = nil }
        if sizes?.isEmpty == true { sizes = nil }
        if scales != nil && sizes != nil { throw node.error("only one of scales and sizes may be given") }
        let geometry: ResizeGeometry
        do {
            geometry = try ResizeGeometry(input: shape, scales: scales, sizes: sizes, axes: settings.axes,
                                          roi: settings.coordinates == .tfCropAndResize ? roi : nil,
                                          keepAspectRatioPolicy: settings.keepAspectRatioPolicy, node: node)
        } catch let e as StrataError {
            throw StrataError(.invalidInput, e.message, at: e.location)
        }
        let rank = shape.count
        let axes = (0..<rank).filter { a in
            !(geometry.outputShape[a] == shape[a] && abs(geometry.scales[a] - 1) < 1e-9
              && geometry.roi[a] == 0 && geometry.roi[rank + a] == 1)
        }
        return (geometry, axes)
    }
}
