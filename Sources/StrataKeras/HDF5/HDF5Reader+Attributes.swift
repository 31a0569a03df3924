import CHDF5
import Foundation
import StrataCore

extension HDF5Reader {
    /// The most strings and bytes an attribute may hold: Keras' largest (`model_config`, `layer_names`)
    /// are a few megabytes; a corrupt count beyond these is refused before any allocation.
    static let maxAttributeStrings = 1 << 20
    static let maxAttributeBytes = 1 << 28

    /// More attributes than any Keras object carries; an object with more is listed only up to here.
    static let maxAttributes = 4096

    /// The names of the attributes of the object at `path` (which exists), in HDF5's name order; nil
    /// when they cannot be listed or there are more than `maxAttributes`.
    func attributeNames(_ path: String) -> [String]? {
        HDF5Library.locked {
            var names: [String] = []
            let status = withUnsafeMutablePointer(to: &names) { list in
                H5Aiterate_by_name(fileID, path, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, context in
                    guard let name, let context else { return -1 }
                    let names = context.assumingMemoryBound(to: [String].self)
                    guard names.pointee.count < HDF5Reader.maxAttributes else { return -1 }
                    names.pointee.append(String(cString: name))
                    return 0
                }, list, strata_h5p_default())
            }
            return status >= 0 ? names : nil
        }
    }

    /// The string attribute `name` of the object at `path` (a scalar gives one element). Fixed-length
    /// and variable-length strings are both read; an empty numeric array (h5py's empty list) gives none.
    func strings(_ path: String, _ name: String) throws -> [String] {
        guard try hasAttribute(path, name) else {
            throw StrataError(.invalidModel, "attribute cannot be opened", at: Self.place(path, attribute: name))
        }
        let place = Self.place(path, attribute: name)
        let result: Result<[String], StrataError> = HDF5Library.locked {
            let attr = H5Aopen_by_name(fileID, path, name, strata_h5p_default(), strata_h5p_default())
            guard attr >= 0 else { return .failure(StrataError(.invalidModel, "attribute cannot be opened", at: place)) }
            defer { H5Aclose(attr) }
            let type = H5Aget_type(attr)
            guard type >= 0 else { return .failure(StrataError(.corruptFile, "attribute type cannot be read", at: place)) }
            defer { H5Tclose(type) }
            let space = H5Aget_space(attr)
            guard space >= 0 else { return .failure(StrataError(.corruptFile, "attribute shape cannot be read", at: place)) }
            defer { H5Sclose(space) }
            let points = H5Sget_simple_extent_npoints(space)
            guard points >= 0, points <= Self.maxAttributeStrings else {
                return .failure(StrataError(.corruptFile, "attribute declares \(points) values", at: place))
            }
            let count = Int(points)
            if count == 0 { return .success([]) }
            guard H5Tget_class(type) == H5T_STRING else {
                return .failure(StrataError(.invalidModel, "expected a string attribute", at: place))
            }
            if H5Tis_variable_str(type) > 0 {
                let memory = H5Tcopy(strata_h5t_c_s1())
                defer { H5Tclose(memory) }
                H5Tset_size(memory, strata_h5t_variable())
                H5Tset_cset(memory, H5Tget_cset(type))
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
                guard H5Aread(attr, memory, &pointers) >= 0 else {
                    return .failure(StrataError(.corruptFile, Self.failure("attribute cannot be read"), at: place))
                }
                let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
                H5Dvlen_reclaim(memory, space, strata_h5p_default(), &pointers)
                return .success(strings)
            }
            let size = H5Tget_size(type)
            guard size > 0, let total = CheckedArithmetic.product(count, size), total <= Self.maxAttributeBytes else {
                return .failure(StrataError(.corruptFile, "attribute declares \(count) strings of \(size) bytes", at: place))
            }
            var bytes = [UInt8](repeating: 0, count: total)
            guard H5Aread(attr, type, &bytes) >= 0 else {
                return .failure(StrataError(.corruptFile, Self.failure("attribute cannot be read"), at: place))
            }
            return .success((0 ..< count).map { i in
                let chunk = bytes[i * size ..< (i + 1) * size]
                let end = chunk.firstIndex(of: 0) ?? chunk.endIndex
                return String(decoding: chunk[chunk.startIndex ..< end], as: UTF8.self)
            })
        }
        return try result.get()
    }
}
