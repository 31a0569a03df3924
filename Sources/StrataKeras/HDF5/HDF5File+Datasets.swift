import CHDF5
import Foundation
import StrataCore

extension HDF5File {
    /// Reads the dataset at `path` into a tensor: floating point as float32, integers as int64
    /// (HDF5 converts from the stored width).
    func dataset(_ path: String) throws -> Tensor {
        let place = location(path)
        let result: Result<Tensor, StrataError> = try HDF5Library.locked {
            let dataset = H5Dopen2(fileID, path, strata_h5p_default())
            guard dataset >= 0 else { return .failure(StrataError(.invalidModel, "dataset cannot be opened", at: place)) }
            defer { H5Dclose(dataset) }
            let space = H5Dget_space(dataset)
            defer { H5Sclose(space) }
            let rank = Int(H5Sget_simple_extent_ndims(space))
            guard rank >= 0 else { return .failure(StrataError(.corruptFile, "dataset has no readable shape", at: place)) }
            var dims = [hsize_t](repeating: 0, count: rank)
            if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
            let shape = dims.map { Int($0) }
            let type = H5Dget_type(dataset)
            defer { H5Tclose(type) }
            let dtype: DType
            let memory: hid_t
            switch H5Tget_class(type) {
            case H5T_FLOAT: (dtype, memory) = (.float32, strata_h5t_native_float())
            case H5T_INTEGER: (dtype, memory) = (.int64, strata_h5t_native_int64())
            default:
                return .failure(StrataError(.unsupported, "dataset type is neither float nor integer", at: place))
            }
            let tensor = try Tensor(dtype: dtype, shape: shape, zeroed: true)
            if tensor.count > 0 {
                guard H5Dread(dataset, memory, strata_h5s_all(), strata_h5s_all(), strata_h5p_default(), tensor.rawPointer) >= 0 else {
                    return .failure(StrataError(.corruptFile, "dataset cannot be read (truncated or damaged)", at: place))
                }
            }
            return .success(tensor)
        }
        return try result.get()
    }
}
