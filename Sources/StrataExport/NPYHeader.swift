import StrataCore

/// The dictionary at the start of an `.npy` file: element type, memory order and shape.
///
/// `encoded()` produces the bytes `numpy.save` writes for the same array (format 1.0, or 2.0 when
/// the header does not fit in 65535 bytes), so Strata's files are byte-identical to NumPy's.
public struct NPYHeader: Hashable, Sendable {
    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// Data starts at a multiple of this many bytes (NumPy's `ARRAY_ALIGN`).
    static let alignment = 64
    /// Spaces NumPy reserves after the dictionary so the first dimension can grow in place.
    static let growthDigits = 21

    public var descriptor: NPYDescriptor
    public var fortranOrder: Bool
    public var shape: [Int]

    public init(descriptor: NPYDescriptor, fortranOrder: Bool = false, shape: [Int]) {
        self.descriptor = descriptor
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    /// The Python literal NumPy writes: keys sorted, `repr` of each value, growth padding.
    var dictionaryText: String {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var text = "{'descr': '\(descriptor)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        if let growing = fortranOrder ? shape.last : shape.first {
            text += String(repeating: " ", count: max(0, Self.growthDigits - String(growing).count))
        }
        return text
    }

    /// Magic, version, header length and the padded dictionary; the array data follows directly.
    public func encoded() -> [UInt8] {
        let dictionary = Array(dictionaryText.utf8)
        let textLength = dictionary.count + 1  // the closing newline
        for (major, lengthBytes) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let prefix = Self.magic.count + 2 + lengthBytes
            // NumPy pads a whole block when the header already ends on a boundary.
            let padding = Self.alignment - (prefix + textLength) % Self.alignment
            let total = textLength + padding
            if major == 1 && total > Int(UInt16.max) { continue }
            var bytes = Self.magic + [major, 0]
            bytes.reserveCapacity(prefix + total)
            for i in 0..<lengthBytes { bytes.append(UInt8(truncatingIfNeeded: total >> (8 * i))) }
            bytes += dictionary
            bytes += [UInt8](repeating: 0x20, count: padding)
            bytes.append(0x0A)
            return bytes
        }
        preconditionFailure("an .npy header longer than 4 GiB")
    }
}
