import CHDF5
import Foundation
import StrataCore

extension HDF5File {
    /// The string attribute `name` of the object at `path` as a list (a scalar gives one element), or nil
    /// when absent. Fixed-length and variable-length strings are both read. Keras splits large list
    /// attributes into `name0`, `name1`, …; those parts are joined in order.
    func stringsAttribute(_ path: String, _ name: String) throws -> [String]? {
        if hasAttribute(path, name) { return try readStrings(path, name) }
        guard hasAttribute(path, name + "0") else { return nil }
        var all: [String] = []
        var part = 0
        while hasAttribute(path, "\(name)\(part)") {
            all += try readStrings(path, "\(name)\(part)")
            part += 1
        }
        return all
    }

    /// A scalar string attribute, or nil when absent.
    func stringAttribute(_ path: String, _ name: String) throws -> String? {
        guard let list = try stringsAttribute(path, name) else { return nil }
        return list.first
    }

    private func readStrings(_ path: String, _ name: String) throws -> [String] {
        let place = ErrorLocation(file: displayName, detail: "HDF5 path '\(path)', attribute '\(name)'")
        let result: Result<[String], StrataError> = HDF5Library.locked {
            let attr = H5Aopen_by_name(fileID, path, name, strata_h5p_default(), strata_h5p_default())
            guard attr >= 0 else { return .failure(StrataError(.invalidModel, "attribute cannot be opened", at: place)) }
            defer { H5Aclose(attr) }
            let type = H5Aget_type(attr)
            defer { H5Tclose(type) }
            let space = H5Aget_space(attr)
            defer { H5Sclose(space) }
            let count = Int(H5Sget_simple_extent_npoints(space))
            // h5py stores an empty list as an empty float64 array.
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
                    return .failure(StrataError(.invalidModel, "attribute cannot be read", at: place))
                }
                let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
                H5Dvlen_reclaim(memory, space, strata_h5p_default(), &pointers)
                return .success(strings)
            }
            let size = H5Tget_size(type)
            var bytes = [UInt8](repeating: 0, count: count * size)
            guard H5Aread(attr, type, &bytes) >= 0 else {
                return .failure(StrataError(.invalidModel, "attribute cannot be read", at: place))
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
