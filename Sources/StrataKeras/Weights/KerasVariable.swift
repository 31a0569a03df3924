import StrataCore

/// One stored variable of a layer: its name, and the shape and dtype its file declares, read only
/// when a lowering asks for it, after the lowering compared the declared shape with what the layer's
/// config needs (so a file cannot make Strata allocate a size the model does not use).
struct KerasVariable {
    /// The display name (`kernel:0`, `0`, `forward_layer/1`).
    let name: String
    let shape: [Int]
    let dtype: DType
    /// False for a variable imported for its shape only (`ShapeOnlyWeightStore`): `load` gives zeros.
    let hasValues: Bool
    private let read: () throws -> Tensor

    init(name: String, shape: [Int], dtype: DType, hasValues: Bool = true, read: @escaping () throws -> Tensor) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.hasValues = hasValues
        self.read = read
    }

    /// A variable already in memory.
    init(name: String, value: Tensor) {
        self.init(name: name, shape: value.shape, dtype: value.dtype) { value }
    }

    /// The same variable under another display name.
    func renamed(_ name: String) -> KerasVariable {
        KerasVariable(name: name, shape: shape, dtype: dtype, hasValues: hasValues, read: read)
    }

    /// The values; every call reads them again.
    func load() throws -> Tensor { try read() }
}
