import CHDF5
import CHDF5Guard
import Foundation
import StrataCore

/// An HDF5 file opened read-only with libhdf5 in this process: the one place where libhdf5 parses
/// untrusted bytes, either in the importing process (`HDF5Isolation.inProcess`) or inside the worker
/// process (`HDF5Worker`). Every call goes through `HDF5Library.locked`.
///
/// It reads only what the file itself holds: a path through an external link (or through a soft link
/// that leads to one), a dataset whose raw data lives in external files, and a virtual dataset are
/// refused with `.unsafePath`, as ONNX external data outside the model's folder is. Sizes are checked
/// before anything is allocated: a dataset must not declare more than its storage can hold (see
/// `datasetInfo`). Errors carry an `HDF5 path '…'` detail but no file; `HDF5File` adds the file.
final class HDF5Reader {
    let fileID: hid_t
    /// Bytes in the file: raw data must lie within them.
    let fileSize: Int
    /// The bytes libhdf5 reads, through Strata's guard driver (`CHDF5Guard`): a read-only mapping, or a
    /// copy for an image handed over as `Data`. Released when the file is closed.
    private let storage: Storage

    private enum Storage {
        case mapping(address: UnsafeMutableRawPointer, length: Int)
        case copy(UnsafeMutableRawPointer)
    }

    /// `exists` answers so far (the file is opened read-only). Every question about an object checks its
    /// path link by link first, and an import asks several about each one. Guarded by `HDF5Library`'s lock.
    private var existing: [String: Bool] = [:]
    /// Paths known to be reached from `/` through hard links only: their links need no second look.
    private var hardPaths: Set<String> = []

    /// Opens the file `fd` refers to (a regular file or a memfd holding a file image, `fileSize` bytes).
    convenience init(descriptor fd: Int32, fileSize: Int) throws {
        try self.init(imageIn: fd, offset: 0, size: fileSize)
    }

    /// Opens the file at `path`, which the caller has checked is a regular file of `fileSize` bytes.
    convenience init(path: String, fileSize: Int) throws {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StrataError(.corruptFile, "HDF5 file cannot be opened (truncated or damaged)") }
        defer { close(fd) }
        try self.init(imageIn: fd, offset: 0, size: fileSize)
    }

    /// Opens an HDF5 file image held in memory (nothing touches disk). For platforms without memfd;
    /// Linux passes images as descriptors.
    init(image: Data) throws {
        guard !image.isEmpty else { throw StrataError(.corruptFile, "HDF5 file cannot be opened (truncated or damaged)") }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: image.count, alignment: 64)
        image.copyBytes(to: copy.assumingMemoryBound(to: UInt8.self), count: image.count)
        guard let opened = Self.openGuarded(copy, size: image.count) else {
            copy.deallocate()
            throw StrataError(.corruptFile, "HDF5 file cannot be opened (truncated or damaged)")
        }
        fileSize = image.count
        fileID = opened
        storage = .copy(copy)
    }

    /// Opens the HDF5 file image stored as bytes `offset ..< offset + size` of the file `fd` refers to (the
    /// whole file, or a `.keras` archive's stored `model.weights.h5`), which the caller checked lie inside
    /// it. libhdf5 reads the image from a read-only mapping of the file, in place, so only the pages it
    /// touches are read.
    init(imageIn fd: Int32, offset: Int, size: Int) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset / page * page
        guard size > 0, offset >= 0, page > 0, let length = CheckedArithmetic.sum(offset - start, size),
              let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(start)), address != MAP_FAILED
        else { throw StrataError(.corruptFile, "HDF5 file cannot be opened (truncated or damaged)") }
        guard let opened = Self.openGuarded(address + (offset - start), size: size) else {
            munmap(address, length)
            throw StrataError(.corruptFile, "HDF5 file cannot be opened (truncated or damaged)")
        }
        fileSize = size
        fileID = opened
        storage = .mapping(address: address, length: length)
    }

    /// libhdf5 opens `size` bytes at `base` read-only through the guard driver, which checks each global
    /// heap collection before libhdf5 walks it (see CHDF5Guard.h: libhdf5 1.10 loops forever on some).
    private static func openGuarded(_ base: UnsafeRawPointer, size: Int) -> hid_t? {
        let opened: hid_t = HDF5Library.locked {
            let fapl = strata_h5guard_fapl(base, size)
            guard fapl >= 0 else { return -1 }
            defer { H5Pclose(fapl) }
            return H5Fopen("strata-guard", strata_h5f_acc_rdonly(), fapl)
        }
        return opened >= 0 ? opened : nil
    }

    deinit {
        HDF5Library.locked { _ = H5Fclose(fileID) }
        switch storage {
        case .mapping(let address, let length): munmap(address, length)
        case .copy(let pointer): pointer.deallocate()
        }
    }

    /// `message`, followed by why the guard driver refused a read since the last call, if it did (called
    /// under `HDF5Library`'s lock, right after a libhdf5 call failed).
    static func failure(_ message: String) -> String {
        guard let reason = strata_h5guard_take_failure() else { return message }
        return message + ": " + String(cString: reason)
    }

    static func place(_ path: String, attribute: String? = nil) -> ErrorLocation {
        ErrorLocation(detail: "HDF5 path '\(path)'" + (attribute.map { ", attribute '\($0)'" } ?? ""))
    }

    // MARK: Links and objects

    /// Whether a link exists at `path`. Every link on the way is checked: external and user-defined
    /// links, and soft links leading through one, are refused before libhdf5 could follow them.
    func exists(_ path: String) throws -> Bool {
        try HDF5Library.locked {
            if let known = existing[path] { return known }
            let found = try existsLocked(path, depth: 0)
            existing[path] = found
            return found
        }
    }

    /// Soft links may point at soft links; HDF5 itself stops after 16.
    private static let softLinkDepth = 16

    private func existsLocked(_ path: String, depth: Int) throws -> Bool {
        var prefix = ""
        for part in path.split(separator: "/") {
            let parent = prefix.isEmpty ? "/" : prefix
            prefix += "/" + part
            // A walk asks about every object below a group: its parent chain was looked at already.
            if hardPaths.contains(prefix) { continue }
            guard H5Lexists(fileID, prefix, strata_h5p_default()) > 0 else { return false }
            var info = H5L_info_t()
            guard H5Lget_info(fileID, prefix, &info, strata_h5p_default()) >= 0 else {
                throw StrataError(.corruptFile, "the link cannot be read", at: Self.place(prefix))
            }
            switch info.type {
            case H5L_TYPE_HARD:
                noteHardLink(prefix, parent: parent)
                continue
            case H5L_TYPE_SOFT:
                let target = linkValue(prefix, size: info.u.val_size)
                guard depth < Self.softLinkDepth else {
                    throw StrataError(.corruptFile, "soft links nest more than \(Self.softLinkDepth) deep", at: Self.place(prefix))
                }
                let absolute = target.hasPrefix("/") ? target : (parent == "/" ? "" : parent) + "/" + target
                do {
                    guard try existsLocked(absolute, depth: depth + 1) else { return false }
                } catch let error as StrataError where error.kind == .unsafePath {
                    throw StrataError(.unsafePath, "the soft link to '\(target)' leads outside the file (\(error.location.detail ?? "")"
                                      + ": \(error.message))", at: Self.place(prefix))
                }
            case H5L_TYPE_EXTERNAL:
                throw StrataError(.unsafePath, "is an external link to \(externalTarget(prefix, size: info.u.val_size)); "
                                  + "Strata reads only the model file", at: Self.place(prefix))
            default:
                throw StrataError(.unsafePath, "is a user-defined link (type \(info.type.rawValue)); Strata reads only the model file",
                                  at: Self.place(prefix))
            }
        }
        return true
    }

    private func linkValue(_ path: String, size: Int) -> String {
        guard size > 0, size <= 1 << 16 else { return "" }
        var buffer = [CChar](repeating: 0, count: size + 1)
        guard H5Lget_val(fileID, path, &buffer, buffer.count, strata_h5p_default()) >= 0 else { return "" }
        return String(decoding: buffer.prefix(size).prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `'file:/path'` of an external link, or `another file` when its value cannot be decoded.
    private func externalTarget(_ path: String, size: Int) -> String {
        guard size > 0, size <= 1 << 16 else { return "another file" }
        var buffer = [UInt8](repeating: 0, count: size)
        guard H5Lget_val(fileID, path, &buffer, size, strata_h5p_default()) >= 0 else { return "another file" }
        var flags: UInt32 = 0
        var file: UnsafePointer<CChar>?
        var object: UnsafePointer<CChar>?
        guard H5Lunpack_elink_val(&buffer, size, &flags, &file, &object) >= 0, let file, let object else { return "another file" }
        return "'\(String(cString: file)):\(String(cString: object))'"
    }

    /// Whether the link at `path` (whose parent exists) is a hard link: the object lives in this file
    /// under this name, not reached through a soft or external link.
    func isHardLink(_ path: String) -> Bool {
        HDF5Library.locked {
            if hardPaths.contains(path) { return true }
            var info = H5L_info_t()
            guard H5Lget_info(fileID, path, &info, strata_h5p_default()) >= 0, info.type == H5L_TYPE_HARD else { return false }
            // The snapshot's walk asks this of each child before asking whether it exists.
            noteHardLink(path, parent: path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "")
            return true
        }
    }

    /// Records that `path`, a hard link, is reached through hard links only when its parent is.
    private func noteHardLink(_ path: String, parent: String) {
        if parent.isEmpty || parent == "/" || hardPaths.contains(parent) { hardPaths.insert(path) }
    }

    enum ObjectKind: Int { case group = 1, dataset = 2, other = 3 }

    /// What `path` is; nil when it does not exist.
    func kind(_ path: String) throws -> ObjectKind? {
        guard try exists(path) || path == "/" else { return nil }
        return HDF5Library.locked {
            // The object header's basic fields only: opening the object cost twice as much.
            var info = H5O_info_t()
            guard H5Oget_info_by_name2(fileID, path, &info, UInt32(H5O_INFO_BASIC), strata_h5p_default()) >= 0 else { return nil }
            switch info.type {
            case H5O_TYPE_GROUP: return .group
            case H5O_TYPE_DATASET: return .dataset
            default: return .other
            }
        }
    }

    /// More links than any model writes into one group; a corrupt count beyond it is refused.
    static let maxLinks = 1 << 20

    /// Names of the links in the group at `path`, in HDF5's name order.
    func children(_ path: String) throws -> [String] {
        guard try exists(path) || path == "/" else {
            throw StrataError(.invalidModel, "not a readable HDF5 group", at: Self.place(path))
        }
        let names: [String]? = HDF5Library.locked {
            var info = H5G_info_t()
            guard H5Gget_info_by_name(fileID, path, &info, strata_h5p_default()) >= 0, info.nlinks <= UInt64(Self.maxLinks) else {
                return nil
            }
            // One iteration, not a name lookup per index: by index, libhdf5 walks the group's links
            // again for every call (n² steps in a symbol-table group, and 14 µs per link in the
            // snapshot of a Keras ResNet50 before).
            var names: [String] = []
            let status = withUnsafeMutablePointer(to: &names) { list in
                H5Literate_by_name(fileID, path, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, context in
                    guard let name, let context else { return -1 }
                    let names = context.assumingMemoryBound(to: [String].self)
                    let length = strnlen(name, (1 << 16) + 1)
                    guard names.pointee.count < HDF5Reader.maxLinks, length <= 1 << 16 else { return -1 }
                    names.pointee.append(String(decoding: UnsafeRawBufferPointer(start: name, count: length), as: UTF8.self))
                    return 0
                }, list, strata_h5p_default())
            }
            guard status >= 0, names.count == Int(info.nlinks) else { return nil }
            return names
        }
        guard let names else { throw StrataError(.invalidModel, "not a readable HDF5 group", at: Self.place(path)) }
        return names
    }

    /// Whether the object at `path` has the attribute `name`.
    func hasAttribute(_ path: String, _ name: String) throws -> Bool {
        guard try exists(path) || path == "/" else { return false }
        return HDF5Library.locked { H5Aexists_by_name(fileID, path, name, strata_h5p_default()) > 0 }
    }
}
