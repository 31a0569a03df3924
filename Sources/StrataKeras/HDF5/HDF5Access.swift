import StrataCore

/// What the Keras importer reads from an HDF5 file, whichever process runs libhdf5: `HDF5Reader` in
/// this process, or `HDF5WorkerClient` asking an isolated worker. Errors carry the HDF5 path as
/// their detail and no file.
protocol HDF5Access: AnyObject {
    func exists(_ path: String) throws -> Bool
    func kind(_ path: String) throws -> HDF5Reader.ObjectKind?
    func children(_ path: String) throws -> [String]
    func hasAttribute(_ path: String, _ name: String) throws -> Bool
    func strings(_ path: String, _ name: String) throws -> [String]
    func datasetInfo(_ path: String) throws -> HDF5DatasetInfo
    /// The dataset's values in a tensor of `info`'s shape and dtype. The bytes are counted against
    /// `MemoryLimit` before they are allocated.
    func tensor(_ path: String, info: HDF5DatasetInfo) throws -> Tensor
}

extension HDF5Reader: HDF5Access {
    func tensor(_ path: String, info: HDF5DatasetInfo) throws -> Tensor {
        let tensor = try Tensor(dtype: info.dtype, shape: info.shape)
        try read(path, info: info, into: tensor.rawPointer)
        return tensor
    }
}
