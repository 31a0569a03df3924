import CHDF5
import Foundation
import StrataCore

extension HDF5Reader {
    /// The shape and memory dtype of the dataset at `path`, after checking that the file really holds
    /// what it declares: no external raw data, no virtual mapping, contiguous data inside the file,
    /// no more stored chunks than the shape has, and at most `DecompressionLimit.maxRatio` between
    /// the declared bytes and the bytes stored.
    func datasetInfo(_ path: String) throws -> HDF5DatasetInfo {
        guard try kind(path) == .dataset else { throw StrataError(.invalidModel, "dataset cannot be opened", at: Self.place(path)) }
        let place = Self.place(path)
        let result: Result<HDF5DatasetInfo, StrataError> = HDF5Library.locked {
            let dataset = H5Dopen2(fileID, path, strata_h5p_default())
            guard dataset >= 0 else { return .failure(StrataError(.invalidModel, "dataset cannot be opened", at: place)) }
            defer { H5Dclose(dataset) }
            return Result { try inspect(dataset, place: place) }.mapError { $0 as? StrataError ?? $0.strata(at: place) }
        }
        return try result.get()
    }

    private func inspect(_ dataset: hid_t, place: ErrorLocation) throws -> HDF5DatasetInfo {
        func corrupt(_ message: String) -> StrataError { StrataError(.corruptFile, message, at: place) }
        let creation = H5Dget_create_plist(dataset)
        guard creation >= 0 else { throw corrupt("the dataset's creation properties cannot be read") }
        defer { H5Pclose(creation) }
        let layout = H5Pget_layout(creation)
        if layout == H5D_VIRTUAL {
            var source = "other datasets"
            var count = 0
            if H5Pget_virtual_count(creation, &count) >= 0, count > 0 {
                var name = [CChar](repeating: 0, count: 4097)
                if H5Pget_virtual_filename(creation, 0, &name, name.count) > 0 {
                    source = "'" + String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "'"
                }
            }
            throw StrataError(.unsafePath, "is a virtual dataset (its data comes from \(source)); Strata reads only the model file", at: place)
        }
        let externals = H5Pget_external_count(creation)
        if externals != 0 {
            var name = [CChar](repeating: 0, count: 4097)
            var offset: off_t = 0
            var size: hsize_t = 0
            let file = externals > 0 && H5Pget_external(creation, 0, name.count - 1, &name, &offset, &size) >= 0
                ? "'" + String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "'"
                : "another file"
            throw StrataError(.unsafePath, "keeps its data in an external file (\(file)); Strata reads only the model file", at: place)
        }

        let space = H5Dget_space(dataset)
        guard space >= 0 else { throw corrupt("the dataset's shape cannot be read") }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= 32 else { throw corrupt("the dataset has no readable shape") }
        var dims = [hsize_t](repeating: 0, count: rank)
        if rank > 0, H5Sget_simple_extent_dims(space, &dims, nil) < 0 { throw corrupt("the dataset has no readable shape") }
        var shape: [Int] = []
        for d in dims {
            guard let v = Int(exactly: d) else { throw corrupt("the dataset declares a dimension of \(d)") }
            shape.append(v)
        }

        let type = H5Dget_type(dataset)
        guard type >= 0 else { throw corrupt("the dataset's type cannot be read") }
        defer { H5Tclose(type) }
        let storedSize = H5Tget_size(type)
        let dtype: DType
        switch H5Tget_class(type) {
        case H5T_FLOAT where [2, 4, 8].contains(storedSize): dtype = .float32
        case H5T_INTEGER where [1, 2, 4, 8].contains(storedSize): dtype = .int64
        case H5T_FLOAT, H5T_INTEGER:
            throw StrataError(.unsupported, "dataset values of \(storedSize) bytes are not supported", at: place)
        default:
            throw StrataError(.unsupported, "dataset type is neither float nor integer", at: place)
        }
        guard let count = shape.checkedElementCount,
              let byteCount = CheckedArithmetic.product(count, dtype.byteSize),
              let fileBytes = CheckedArithmetic.product(count, storedSize)
        else { throw corrupt("the dataset declares \(shape) values, more than a 64-bit size can count") }

        let storage = Int(clamping: H5Dget_storage_size(dataset))
        // Only error messages use it: formatting the size for every dataset cost 3 % of a snapshot.
        var declared: String { "the dataset declares \(shape) values (\(MemoryLimit.describe(bytes: fileBytes)))" }
        var inPlace: Int?
        switch layout {
        case H5D_CONTIGUOUS:
            let offset = H5Dget_offset(dataset)
            if offset == strata_haddr_undef() {
                // Never written: reads give the fill value, which only a tiny dataset may rely on.
                guard DecompressionLimit.allows(declared: fileBytes, stored: 0) else {
                    throw corrupt("\(declared) but the file stores none of them")
                }
            } else {
                guard let start = Int(exactly: offset), let end = CheckedArithmetic.sum(start, fileBytes), end <= fileSize else {
                    throw corrupt("\(declared) at byte \(offset), past the end of the file (\(fileSize) bytes)")
                }
                // Stored as memory holds it (HDF5's native types are this machine's): no conversion to make.
                let native = dtype == .float32 ? strata_h5t_native_float() : strata_h5t_native_int64()
                if storedSize == dtype.byteSize, H5Tequal(type, native) > 0, fileBytes > 0 { inPlace = start }
            }
        case H5D_CHUNKED:
            var chunk = [hsize_t](repeating: 0, count: Swift.max(rank, 1))
            let chunkRank = Int(H5Pget_chunk(creation, Int32(chunk.count), &chunk))
            var possible = 1
            if chunkRank == rank {
                for (d, c) in zip(dims, chunk.prefix(rank)) {
                    guard c > 0, let n = Int(exactly: (d + c - 1) / c), let p = CheckedArithmetic.product(possible, n) else {
                        throw corrupt("the dataset's chunk shape \(chunk.prefix(rank).map { $0 }) does not fit its shape \(shape)")
                    }
                    possible = p
                }
                var stored: hsize_t = 0
                if H5Dget_num_chunks(dataset, space, &stored) >= 0, stored > UInt64(possible) {
                    throw corrupt("the dataset lists \(stored) stored chunks but its shape \(shape) has room for \(possible)")
                }
            } else {
                throw corrupt("the dataset's chunk shape cannot be read")
            }
            guard storage <= fileSize else {
                throw corrupt("the dataset claims \(storage) bytes of storage in a file of \(fileSize) bytes")
            }
            guard DecompressionLimit.allows(declared: fileBytes, stored: storage) else {
                throw corrupt("\(declared) but the file stores only \(storage) bytes for them (more than 1:\(DecompressionLimit.maxRatio) compression)")
            }
        default:
            break  // compact: the data sits in the object header, at most 64 KiB
        }
        return HDF5DatasetInfo(shape: shape, dtype: dtype, byteCount: byteCount, fileOffset: inPlace)
    }

    /// Reads the dataset at `path`, whose `datasetInfo` was `info`, into `buffer` (`info.byteCount`
    /// bytes): floating point as float32, integers as int64, converted by HDF5. The shape is checked
    /// again, so that the buffer always fits what libhdf5 writes.
    func read(_ path: String, info: HDF5DatasetInfo, into buffer: UnsafeMutableRawPointer) throws {
        guard try datasetInfo(path) == info else {
            throw StrataError(.corruptFile, "the dataset changed while it was read", at: Self.place(path))
        }
        guard info.byteCount > 0 else { return }
        let status: herr_t = HDF5Library.locked {
            let dataset = H5Dopen2(fileID, path, strata_h5p_default())
            guard dataset >= 0 else { return -1 }
            defer { H5Dclose(dataset) }
            let memory = info.dtype == .float32 ? strata_h5t_native_float() : strata_h5t_native_int64()
            return H5Dread(dataset, memory, strata_h5s_all(), strata_h5s_all(), strata_h5p_default(), buffer)
        }
        guard status >= 0 else {
            throw StrataError(.corruptFile, "dataset cannot be read (truncated or damaged)", at: Self.place(path))
        }
    }
}
