extension DiagramCategory {
    /// The category a Keras layer class is drawn in, when its name says it (`Conv2D`,
    /// `BatchNormalization`, `LSTM` ...); nil for classes whose ops decide (`Lambda`, custom layers).
    /// Keras lowers some layers onto generic ops (a `BatchNormalization` at inference is a `Mul`
    /// and an `Add`), so the class is the better guide.
    public init?(kerasClass name: String) {
        let exact: [String: DiagramCategory] = [
            "InputLayer": .input, "Dense": .dense, "EinsumDense": .dense, "Embedding": .dense,
            "Add": .merge, "Subtract": .merge, "Multiply": .merge, "Average": .merge, "Maximum": .merge,
            "Minimum": .merge, "Concatenate": .merge, "Dot": .merge,
            "Activation": .activation, "ReLU": .activation, "LeakyReLU": .activation, "PReLU": .activation,
            "ELU": .activation, "Softmax": .activation, "ThresholdedReLU": .activation,
            "Flatten": .reshape, "Reshape": .reshape, "Permute": .reshape, "RepeatVector": .reshape,
            "LSTM": .recurrent, "GRU": .recurrent, "SimpleRNN": .recurrent, "Bidirectional": .recurrent,
            "RNN": .recurrent, "ConvLSTM2D": .recurrent, "TimeDistributed": .other,
            "Dropout": .other, "Masking": .other,
        ]
        if let category = exact[name] {
            self = category
        } else if name.contains("Attention") {
            self = .attention
        } else if name.hasPrefix("Conv") || name.hasPrefix("DepthwiseConv") || name.hasPrefix("SeparableConv") {
            self = .convolution
        } else if name.contains("Pooling") {
            self = .pooling
        } else if name.hasSuffix("Normalization") {
            self = .normalization
        } else if name.hasPrefix("ZeroPadding") || name.hasPrefix("Cropping") || name.hasPrefix("UpSampling") {
            self = .reshape
        } else {
            return nil
        }
    }
}
