/// Broad family of an op, for display (diagram colours, summaries).
public enum OpCategory: String, Sendable, CaseIterable {
    case convolution, pooling, normalization, activation, elementwise, merge, dense
    case reshape, recurrent, attention, reduction, constant, shape, other
}
