import Foundation

extension Tensor {
    /// Whether `other` has this tensor's dtype, shape and bytes (for attribute structs holding a
    /// tensor, whose equality is their values').
    func hasSameContents(as other: Tensor) -> Bool {
        dtype == other.dtype && shape == other.shape && memcmp(rawPointer, other.rawPointer, byteCount) == 0
    }
}
