import StrataCore

extension KerasLayerTable {
    /// The display family of a Keras layer class when its name says it (`Conv2D`, `BatchNormalization`,
    /// `LSTM` …); nil for classes whose ops decide (custom layers). Keras lowers some layers onto generic
    /// ops (a `BatchNormalization` at inference is a `Mul` and an `Add`), so the class is the better guide.
    static func category(ofClass name: String) -> OpCategory? {
        let exact: [String: OpCategory] = [
            "Dense": .dense, "EinsumDense": .dense, "Embedding": .dense,
            "Add": .merge, "Subtract": .merge, "Multiply": .merge, "Average": .merge, "Maximum": .merge,
            "Minimum": .merge, "Concatenate": .merge, "Dot": .merge,
            "Activation": .activation, "ReLU": .activation, "LeakyReLU": .activation, "PReLU": .activation,
            "ELU": .activation, "Softmax": .activation, "ThresholdedReLU": .activation,
            "Flatten": .reshape, "Reshape": .reshape, "Permute": .reshape, "RepeatVector": .reshape,
            "LSTM": .recurrent, "GRU": .recurrent, "SimpleRNN": .recurrent, "Bidirectional": .recurrent,
            "RNN": .recurrent, "ConvLSTM2D": .recurrent, "TimeDistributed": .other,
            "Dropout": .other, "Masking": .other,
        ]
        if let category = exact[name] { return category }
        if name.contains("Attention") { return .attention }
        if name.hasPrefix("Conv") || name.hasPrefix("DepthwiseConv") || name.hasPrefix("SeparableConv") { return .convolution }
        if name.contains("Pooling") { return .pooling }
        if name.hasSuffix("Normalization") { return .normalization }
        if name.hasPrefix("ZeroPadding") || name.hasPrefix("Cropping") || name.hasPrefix("UpSampling") { return .reshape }
        return nil
    }
}
