/// What is known about a value before running: its dtype and, when known, its shape.
public struct ValueType: Hashable, Sendable, CustomStringConvertible {
    public var dtype: DType
    /// nil when even the rank is unknown.
    public var shape: [Dim]?

    public init(_ dtype: DType, _ shape: [Dim]?) {
        self.dtype = dtype
        self.shape = shape
    }

    public init(_ dtype: DType, concrete shape: [Int]) {
        self.init(dtype, shape.dims)
    }

    public var rank: Int? { shape?.count }

    public var description: String {
        "\(dtype.rawValue)\(shape?.shapeDescription ?? "[?]")"
    }
}
