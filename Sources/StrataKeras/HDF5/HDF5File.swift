import CHDF5
import Foundation
import StrataCore

/// An HDF5 file opened read-only, from disk or from bytes in memory (a `.keras` archive member).
///
/// Objects are addressed by absolute HDF5 paths (`/model_weights/dense/dense/kernel:0`). Every call
/// goes through `HDF5Library.locked`; failures are `StrataError`s naming `displayName` and the path.
final class HDF5File: @unchecked Sendable {
    /// The name used in errors: the file path, or `archive.keras/model.weights.h5`.
    let displayName: String
    let fileID: hid_t

    /// Opens the file at `path`; a file without the HDF5 signature is a `.corruptFile` error.
    init(path: String) throws {
        displayName = path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StrataError.unreadableFile(path)
        }
        guard HDF5Library.fileHasSignature(path) else {
            throw StrataError(.corruptFile, "not an HDF5 file", at: ErrorLocation(file: path))
        }
        let opened = HDF5Library.locked { H5Fopen(path, strata_h5f_acc_rdonly(), strata_h5p_default()) }
        guard opened >= 0 else {
            throw StrataError(.corruptFile, "HDF5 file cannot be opened (truncated or damaged)", at: ErrorLocation(file: path))
        }
        fileID = opened
    }

    /// Opens an HDF5 file image held in memory (HDF5's core driver copies the bytes; nothing touches disk).
    init(image: Data, displayName: String) throws {
        self.displayName = displayName
        guard HDF5Library.hasSignature(image) else {
            throw StrataError(.corruptFile, "not an HDF5 file", at: ErrorLocation(file: displayName))
        }
        let opened: hid_t = HDF5Library.locked {
            let fapl = H5Pcreate(strata_h5p_file_access())
            guard fapl >= 0 else { return -1 }
            defer { H5Pclose(fapl) }
            guard H5Pset_fapl_core(fapl, 1 << 16, false) >= 0 else { return -1 }
            let status = image.withUnsafeBytes { raw in
                H5Pset_file_image(fapl, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count)
            }
            guard status >= 0 else { return -1 }
            return H5Fopen(displayName, strata_h5f_acc_rdonly(), fapl)
        }
        guard opened >= 0 else {
            throw StrataError(.corruptFile, "HDF5 file cannot be opened (truncated or damaged)", at: ErrorLocation(file: displayName))
        }
        fileID = opened
    }

    deinit {
        HDF5Library.locked { _ = H5Fclose(fileID) }
    }

    func location(_ path: String) -> ErrorLocation {
        ErrorLocation(file: displayName, detail: "HDF5 path '\(path)'")
    }

    /// Whether a link exists at `path` (checked component by component, as HDF5 requires).
    func exists(_ path: String) -> Bool {
        HDF5Library.locked {
            var prefix = ""
            for part in path.split(separator: "/") {
                prefix += "/" + part
                if H5Lexists(fileID, prefix, strata_h5p_default()) <= 0 { return false }
            }
            return true
        }
    }

    enum ObjectKind { case group, dataset, other }

    /// What `path` is; nil when it does not exist.
    func kind(_ path: String) -> ObjectKind? {
        guard exists(path) else { return nil }
        return HDF5Library.locked {
            let object = H5Oopen(fileID, path, strata_h5p_default())
            guard object >= 0 else { return nil }
            defer { H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            default: return .other
            }
        }
    }

    /// Names of the links in the group at `path`, in HDF5's name order.
    func children(_ path: String) throws -> [String] {
        let names: [String]? = HDF5Library.locked {
            var info = H5G_info_t()
            guard H5Gget_info_by_name(fileID, path, &info, strata_h5p_default()) >= 0 else { return nil }
            var names: [String] = []
            for i in 0 ..< info.nlinks {
                let size = H5Lget_name_by_idx(fileID, path, H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, strata_h5p_default())
                guard size >= 0 else { return nil }
                var buffer = [CChar](repeating: 0, count: Int(size) + 1)
                H5Lget_name_by_idx(fileID, path, H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, strata_h5p_default())
                names.append(String(decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return names
        }
        guard let names else { throw StrataError(.invalidModel, "not a readable HDF5 group", at: location(path)) }
        return names
    }

    /// Whether the object at `path` has the attribute `name`.
    func hasAttribute(_ path: String, _ name: String) -> Bool {
        guard exists(path) || path == "/" else { return false }
        return HDF5Library.locked { H5Aexists_by_name(fileID, path, name, strata_h5p_default()) > 0 }
    }
}
