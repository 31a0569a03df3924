import Foundation
import StrataCore

/// An HDF5 file opened read-only, from disk or from bytes in memory (a `.keras` archive member), read
/// through libhdf5 in this process or in an isolated worker (`HDF5Isolation.current` when opened).
///
/// Objects are addressed by absolute HDF5 paths (`/model_weights/dense/dense/kernel:0`). Failures
/// are `StrataError`s naming `displayName` and the path.
final class HDF5File: @unchecked Sendable {
    /// The name used in errors: the file path, or `archive.keras/model.weights.h5`.
    let displayName: String
    private let access: any HDF5Access
    /// The file mapped read-only, for datasets stored as memory holds them (`HDF5DatasetInfo.fileOffset`):
    /// those are used in place, never read by libhdf5 or copied. Nil for images opened from bytes.
    private let mapping: MappedFile?
    /// Where the HDF5 file starts in `mapping` (not 0 for an image inside an archive).
    private let mappingOffset: Int

    /// Opens the file at `path`: a regular file (a FIFO or device is refused before libhdf5 sees it)
    /// with the HDF5 signature.
    convenience init(path: String) throws {
        let (fd, size) = try InputFile.open(path)
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &head, head.count, 0)
        guard n > 0, HDF5Library.hasSignature(Data(head.prefix(n))) else {
            throw StrataError(.corruptFile, "not an HDF5 file", at: ErrorLocation(file: path))
        }
        try self.init(descriptor: fd, size: size, path: path, displayName: path)
    }

    /// Opens the HDF5 file image stored uncompressed at bytes `offset ..< offset + size` of the file
    /// `descriptor` refers to (`fileSize` bytes; a `.keras` archive's `model.weights.h5`), checked by the
    /// caller to lie inside it. Nothing is copied: libhdf5 reads the image in place, and datasets stored
    /// as memory holds them are used from the mapped archive.
    convenience init(imageIn descriptor: Int32, fileSize: Int, offset: Int, size: Int, displayName: String) throws {
        var head = [UInt8](repeating: 0, count: Swift.min(4096, size))
        let n = head.isEmpty ? 0 : pread(descriptor, &head, head.count, off_t(offset))
        guard n > 0, HDF5Library.hasSignature(Data(head.prefix(n))) else {
            throw StrataError(.corruptFile, "not an HDF5 file", at: ErrorLocation(file: displayName))
        }
        try self.init(descriptor: descriptor, size: size, path: nil, displayName: displayName,
                      image: (offset: offset, fileSize: fileSize))
    }

    /// Opens an HDF5 file image: the bytes of a `.keras` archive's weights, already in `descriptor`
    /// (a memfd, Linux) so that the worker can read it without another copy.
    convenience init(imageDescriptor descriptor: Int32, size: Int, displayName: String) throws {
        var head = [UInt8](repeating: 0, count: Swift.min(4096, size))
        let n = head.isEmpty ? 0 : pread(descriptor, &head, head.count, 0)
        guard n > 0, HDF5Library.hasSignature(Data(head.prefix(n))) else {
            throw StrataError(.corruptFile, "not an HDF5 file", at: ErrorLocation(file: displayName))
        }
        try self.init(descriptor: descriptor, size: size, path: nil, displayName: displayName)
    }

    /// Opens an HDF5 file image held in memory, in this process (systems without memfds).
    init(image: Data, displayName: String) throws {
        self.displayName = displayName
        mapping = nil
        mappingOffset = 0
        guard HDF5Library.hasSignature(image) else {
            throw StrataError(.corruptFile, "not an HDF5 file", at: ErrorLocation(file: displayName))
        }
        do {
            access = try HDF5Reader(image: image)
        } catch let error as StrataError {
            throw error.inFile(displayName)
        }
    }

    private init(descriptor: Int32, size: Int, path: String?, displayName: String,
                 image: (offset: Int, fileSize: Int)? = nil) throws {
        self.displayName = displayName
        // Without a mapping every dataset is read through libhdf5 instead.
        mapping = try? MappedFile(descriptor: descriptor, byteCount: image?.fileSize ?? size)
        mappingOffset = image?.offset ?? 0
        do {
            switch HDF5Isolation.current {
            case .worker(let executable) where SharedMemory.available:
                access = try HDF5WorkerClient(executable: executable, descriptor: descriptor, fileSize: size, imageOffset: image?.offset)
            case .worker, .inProcess:
                if let image {
                    access = try HDF5Reader(imageIn: descriptor, offset: image.offset, size: size)
                    break
                }
                #if os(Linux)
                access = try HDF5Reader(descriptor: descriptor, fileSize: size)
                #else
                guard let path else {
                    throw StrataError(.unsupported, "HDF5 file images from descriptors need Linux")
                }
                access = try HDF5Reader(path: path, fileSize: size)
                #endif
            }
        } catch let error as StrataError {
            throw error.inFile(displayName)
        }
    }

    func location(_ path: String) -> ErrorLocation {
        ErrorLocation(file: displayName, detail: "HDF5 path '\(path)'")
    }

    /// `body` with errors located in this file.
    private func located<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StrataError {
            throw error.inFile(displayName)
        }
    }

    /// Whether a link exists at `path`. Throws for links that leave the file.
    func exists(_ path: String) throws -> Bool {
        try located { try access.exists(path) }
    }

    typealias ObjectKind = HDF5Reader.ObjectKind

    /// What `path` is; nil when it does not exist.
    func kind(_ path: String) throws -> ObjectKind? {
        try located { try access.kind(path) }
    }

    /// Names of the links in the group at `path`, in HDF5's name order.
    func children(_ path: String) throws -> [String] {
        try located { try access.children(path) }
    }

    /// Whether the object at `path` has the attribute `name`.
    func hasAttribute(_ path: String, _ name: String) throws -> Bool {
        try located { try access.hasAttribute(path, name) }
    }

    /// The string attribute `name` of the object at `path` as a list (a scalar gives one element), or nil
    /// when absent. Fixed-length and variable-length strings are both read. Keras splits large list
    /// attributes into `name0`, `name1`, …; those parts are joined in order.
    func stringsAttribute(_ path: String, _ name: String) throws -> [String]? {
        try located {
            if try access.hasAttribute(path, name) { return try access.strings(path, name) }
            guard try access.hasAttribute(path, name + "0") else { return nil }
            var all: [String] = []
            var part = 0
            while try access.hasAttribute(path, "\(name)\(part)") {
                all += try access.strings(path, "\(name)\(part)")
                part += 1
            }
            return all
        }
    }

    /// A scalar string attribute, or nil when absent.
    func stringAttribute(_ path: String, _ name: String) throws -> String? {
        try stringsAttribute(path, name)?.first
    }

    /// What the dataset at `path` declares, checked against the file (see `HDF5Reader.datasetInfo`).
    func datasetInfo(_ path: String) throws -> HDF5DatasetInfo {
        try located { try access.datasetInfo(path) }
    }

    /// The dataset at `path` as a tensor: floating point as float32, integers as int64. `info` is its
    /// `datasetInfo`, which the caller may already have checked against what it needs.
    func dataset(_ path: String, info: HDF5DatasetInfo? = nil) throws -> Tensor {
        try located {
            let info = try info ?? access.datasetInfo(path)
            if let inFile = info.fileOffset, let mapping, let base = mapping.bytes,
               let offset = CheckedArithmetic.sum(mappingOffset, inFile),
               let end = CheckedArithmetic.sum(offset, info.byteCount), end <= mapping.byteCount {
                // The lowering mostly converts these (a kernel permuted to another layout) and drops
                // them; their pages go with them.
                return try Tensor.borrowing(base + offset, byteCount: info.byteCount, dtype: info.dtype, shape: info.shape,
                                            owner: mapping, deferringCopy: true, dropPagesWhenDone: true)
            }
            do {
                return try access.tensor(path, info: info)
            } catch let error as StrataError where error.location.detail == nil {
                throw error.located(HDF5Reader.place(path))
            }
        }
    }
}
