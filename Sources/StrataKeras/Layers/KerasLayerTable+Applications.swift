import StrataCore

extension KerasLayerTable {
    /// Layer classes that `keras.applications` defines in its own modules rather than in `keras.layers`:
    /// they are part of Keras, with fixed semantics, so they are lowered by class name like any built-in
    /// layer (nothing from the file is executed). A user class of the same name is told apart by
    /// `userDefinedOrigin(of:)` when the file records where a class comes from (Keras 3 archives and JSON).
    static let applications: [String: KerasLayerLowering] = [
        // ConvNeXt: `x · gamma`, one learned factor per channel (the last axis).
        "LayerScale": { ctx in
            let x = try ctx.singleInput()
            let channels = try ctx.int("projection_dim", atLeast: 1)
            let gamma = try ctx.weightValue(0, "gamma", shape: [channels])
            return [try ctx.emit("Mul", [x, gamma])]
        },
        // ConvNeXt's batch-wise drop path: random only in training, the identity at inference.
        "StochasticDepth": { ctx in [try ctx.singleInput()] },
        // InceptionResNetV2's residual merge `inputs[0] + inputs[1] · scale`. Keras 3 writes the bare class
        // name; tf_keras registers the class under its default package, hence `Custom>`.
        "CustomScaleLayer": customScale,
        "Custom>CustomScaleLayer": customScale,
    ]

    private static func customScale(_ ctx: KerasLayerContext) throws -> [String] {
        // Keras 3 does not register its class, so a packaged name there is a user's registered class.
        if ctx.className.contains(">"), ctx.kerasMajor >= 3 {
            throw ctx.error("layer class '\(ctx.className)' is a custom class (registered by the user); Strata never runs code from a model file",
                            kind: .unsupported)
        }
        guard ctx.inputs.count == 2 else { throw ctx.error("expected 2 inputs, got \(ctx.inputs.count)") }
        guard let scale = ctx.config["scale"]?.double else {
            throw ctx.optionError("scale", "expected a number", kind: .invalidModel)
        }
        let factor = try ctx.constant(floats: [Float(scale)], shape: [], "scale")
        return [try ctx.layoutFree(ctx.inputs) { values in
            try ctx.emit("Add", [values[0], try ctx.emit("Mul", [values[1], factor], step: "Scaled")])
        }]
    }

    /// Where a layer's class comes from when the file says it is not Keras. With a `module` entry, the
    /// module decides: outside `keras` / `tf_keras` (null: the script that saved the model) is user code.
    /// Without one (model JSON), a `registered_name` other than the class name marks a class registered
    /// with `register_keras_serializable(package=…)`. Such a class is refused even when its name matches
    /// a Keras class, because its own code defines what it computes. Nil when the file records nothing
    /// (legacy `.h5` configs, where a class is known by its name alone) or names Keras.
    static func userDefinedOrigin(of layer: KerasLayerSpec) -> String? {
        guard let module = layer.module else {
            guard let registered = layer.registeredName, registered != layer.className else { return nil }
            return "registered as '\(registered)'"
        }
        guard let name = module.string else { return "defined in the script that saved the model" }
        let fromKeras = ["keras", "tf_keras"].contains { name == $0 || name.hasPrefix($0 + ".") }
        return fromKeras ? nil : "defined in module '\(name)'"
    }
}
