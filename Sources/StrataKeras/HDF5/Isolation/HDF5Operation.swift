/// The requests Strata sends its HDF5 worker: one byte, then the operation's fields (see
/// `HDF5WorkerClient` for the fields and replies). A reply starts with 0 and the result, or 1 and a
/// `StrataError`.
enum HDF5Operation: UInt8 {
    /// Fields: file size. Carries the file's descriptor.
    case open = 1
    /// Fields: path. Reply: 0 or 1.
    case exists
    /// Fields: path. Reply: 0 (none) or an `HDF5Reader.ObjectKind`.
    case kind
    /// Fields: path. Reply: names.
    case children
    /// Fields: path, name. Reply: 0 or 1.
    case hasAttribute
    /// Fields: path, name. Reply: strings.
    case strings
    /// Fields: path. Reply: shape, dtype, byte count.
    case datasetInfo
    /// Fields: path, shape, dtype, byte count. Carries the shared memory to read into. Reply: nothing.
    case read
    /// Fields: offset, size. Carries the descriptor of a file holding an HDF5 file image at those bytes.
    case openImage
    /// Fields: none. Reply: the answers to every metadata request about the file (`HDF5Snapshot`).
    case snapshot
}
