import StrataCore

/// What a dataset declares, checked against the file before anything is read: its shape, the dtype
/// Strata reads it as (floating point as float32, integers as int64, as HDF5 converts them), and the
/// bytes that takes in memory.
struct HDF5DatasetInfo: Equatable, Sendable {
    let shape: [Int]
    let dtype: DType
    /// `shape`'s element count times the dtype's size; fits in `Int` by construction.
    let byteCount: Int
    /// Where the values lie in the file when they are stored there exactly as they are laid out in
    /// memory (contiguous, unfiltered, native float32 or int64, inside the file): such a dataset is
    /// used in place from the mapped file instead of being read. Nil otherwise.
    var fileOffset: Int? = nil
}
