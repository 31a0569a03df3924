/// How one input's activation becomes a feature vector for an embedding.
public enum FeaturePooling: String, Sendable, CaseIterable {
    /// Every value of the input's activation, in memory order (`act[b].ravel()`).
    case flatten
    /// The mean of each channel over the spatial axes (global average pooling).
    case mean
    /// The maximum of each channel over the spatial axes (global max pooling).
    case max
}
