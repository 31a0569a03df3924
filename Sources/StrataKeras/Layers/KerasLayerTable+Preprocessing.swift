import StrataCore

extension KerasLayerTable {
    /// Preprocessing layers with stored statistics (Normalization), image resizing and cropping, and the
    /// data augmentation layers, which change images only in training (Strata, like Keras' `predict`,
    /// runs in inference mode).
    static let preprocessing: [String: KerasLayerLowering] = {
        var table: [String: KerasLayerLowering] = [
            "Normalization": normalization, "Resizing": resizing, "CenterCrop": centerCrop, "RandomCrop": randomCrop,
        ]
        for augmentation in augmentationClasses { table[augmentation] = inferenceIdentity }
        return table
    }()

    /// Augmentation classes whose inference output is their input (checked against Keras 3.15 and
    /// tf_keras 2.21; RandomHeight/RandomWidth exist only in Keras 2, the colour and geometry ones from
    /// RandomGrayscale on only in Keras 3).
    static let augmentationClasses = [
        "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
        "RandomHeight", "RandomWidth",
        "RandomGrayscale", "RandomHue", "RandomSaturation", "RandomSharpness", "RandomShear", "RandomColorJitter",
        "RandomColorDegeneration", "RandomInvert", "RandomPosterization", "RandomErasing", "RandomGaussianBlur",
        "RandomPerspective", "RandomElasticTransform", "Solarization", "MixUp", "CutMix", "AugMix", "RandAugment",
    ]

    /// Keras 3's RandomCrop leaves images alone at inference; Keras 2's crops the centre to the target's
    /// aspect ratio and resizes, supported here only when the image already has the target size.
    static func randomCrop(_ ctx: KerasLayerContext) throws -> [String] {
        if ctx.kerasMajor >= 3 { return try inferenceIdentity(ctx) }
        let x = try ctx.singleInput()
        let axes = try ctx.channelsFirst() ? [2, 3] : [1, 2]
        let sizes = try axes.map { try ctx.knownDim(x, $0) }
        let target = [try ctx.int("height", atLeast: 1), try ctx.int("width", atLeast: 1)]
        guard sizes == target else {
            throw ctx.error("Keras 2's RandomCrop resizes a \(sizes[0])×\(sizes[1]) image to \(target[0])×\(target[1]) at inference, which is not supported",
                            kind: .unsupported)
        }
        return try inferenceIdentity(ctx)
    }

    /// An image `[N, H, W, C]` (or `[N, C, H, W]`) resized to `height × width` as `tf.image.resize` does
    /// without antialiasing: bilinear with half-pixel centres, nearest with TF's half-pixel rounding.
    static func resizing(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        guard try ctx.rank(x) == 4 else { throw ctx.error("expected a batch of images (rank 4), got rank \(try ctx.rank(x))") }
        let size = [try ctx.int("height", atLeast: 1), try ctx.int("width", atLeast: 1)]
        for key in ["crop_to_aspect_ratio", "pad_to_aspect_ratio", "antialias"] where try ctx.bool(key, default: false) {
            throw ctx.optionError(key, "only false is supported")
        }
        let interpolation = try ctx.string("interpolation", default: "bilinear")
        var attributes: [String: Attribute]
        switch interpolation {
        case "bilinear":
            attributes = ["mode": .string("linear"), "coordinate_transformation_mode": .string("half_pixel")]
        case "nearest":
            attributes = ["mode": .string("nearest"), "coordinate_transformation_mode": .string("tf_half_pixel_for_nn"),
                          "nearest_mode": .string("floor")]
        default:
            throw ctx.optionError("interpolation", "'\(interpolation)' is not supported (bilinear and nearest are)")
        }
        attributes["axes"] = .ints([2, 3])
        return [try ctx.inChannelsFirst(x, channelsFirst: try ctx.channelsFirst()) { v in
            try ctx.emit("Resize", [v, "", "", ctx.constant(int64s: size.map(Int64.init), "sizes")], attributes)
        }]
    }

    /// The central `height × width` window of an image batch (TF's offsets: the odd pixel left at the end).
    /// Keras resizes instead when the image is smaller than the window; that case is refused.
    static func centerCrop(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        guard try ctx.rank(x) == 4 else { throw ctx.error("expected a batch of images (rank 4), got rank \(try ctx.rank(x))") }
        let target = [try ctx.int("height", atLeast: 1), try ctx.int("width", atLeast: 1)]
        let axes = try ctx.channelsFirst() ? [2, 3] : [1, 2]
        let sizes = try axes.map { try ctx.knownDim(x, $0) }
        guard sizes[0] >= target[0], sizes[1] >= target[1] else {
            throw ctx.error("the image (\(sizes[0])×\(sizes[1])) is smaller than the crop (\(target[0])×\(target[1])); Keras resizes it, which is not supported",
                            kind: .unsupported)
        }
        let starts = zip(sizes, target).map { Int64(($0 - $1) / 2) }
        let ends = zip(starts, target).map { $0 + Int64($1) }
        var y = try ctx.emit("Slice", [x, ctx.constant(int64s: starts, "starts"), ctx.constant(int64s: ends, "ends"),
                                       ctx.constant(int64s: axes.map(Int64.init), "axes")])
        if let dtype = ctx.builder.type(of: y)?.dtype, !dtype.isFloatingPoint {
            y = try ctx.emit("Cast", [y], ["to": .int(1)], step: "Float")
        }
        return [y]
    }

    /// An augmentation layer at inference: its input, as floats (Keras casts to the compute dtype, so an
    /// integer image leaves the layer as float32).
    private static func inferenceIdentity(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        guard let dtype = ctx.builder.type(of: x)?.dtype, !dtype.isFloatingPoint else { return [x] }
        // 1 is ONNX TensorProto.FLOAT.
        return [try ctx.emit("Cast", [x], ["to": .int(1)])]
    }

    /// `(x − mean) / max(√variance, 1e-7)` (or its inverse with `invert`), with mean and variance from the
    /// config when given there, else from the layer's variables (`mean`, `variance`, `count`).
    static func normalization(_ ctx: KerasLayerContext) throws -> [String] {
        let x = try ctx.singleInput()
        let rank = try ctx.rank(x)
        let axes = (try ctx.intList("axis") ?? []).map { $0 < 0 ? $0 + rank : $0 }
        let kept = try axes.map { try ctx.knownDim(x, $0) }
        var shape = [Int](repeating: 1, count: rank)
        for (axis, size) in zip(axes, kept) { shape[axis] = size }
        let count = try ctx.constantCount(kept, "statistics")
        func statistic(_ key: String, _ index: Int) throws -> [Float] {
            if let json = ctx.config[key], !json.isNull {
                let values = json.double.map { [Float($0)] } ?? json.array?.compactMap { $0.double.map(Float.init) } ?? []
                guard values.count == 1 || values.count == count else {
                    throw ctx.optionError(key, "has \(values.count) values for \(count) features", kind: .invalidModel)
                }
                return values.count == count ? values : Array(repeating: values[0], count: count)
            }
            let tensor = try ctx.weight(index, key)
            guard tensor.count == count else {
                throw ctx.error("weight '\(key)' has shape \(tensor.shape) but the layer config needs \(kept)")
            }
            return tensor.floats()
        }
        let mean = try statistic("mean", 0)
        let deviation = try statistic("variance", 1).map { max($0.squareRoot(), 1e-7) }
        let meanValue = try ctx.constant(floats: mean, shape: shape, "mean")
        let deviationValue = try ctx.constant(floats: deviation, shape: shape, "std")
        if try ctx.bool("invert", default: false) {
            return [try ctx.emit("Add", [try ctx.emit("Mul", [x, deviationValue]), meanValue])]
        }
        return [try ctx.emit("Div", [try ctx.emit("Sub", [x, meanValue]), deviationValue])]
    }
}
