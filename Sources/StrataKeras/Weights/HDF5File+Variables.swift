extension HDF5File {
    /// The dataset at `path` as a layer variable: its declared shape and dtype now (checked against the
    /// file's storage), its values when the lowering loads them.
    func variable(_ path: String, name: String) throws -> KerasVariable {
        let info = try datasetInfo(path)
        return KerasVariable(name: name, shape: info.shape, dtype: info.dtype) { [self] in try dataset(path, info: info) }
    }
}
