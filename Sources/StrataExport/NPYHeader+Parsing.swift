import StrataCore

extension NPYHeader {
    /// Reads the header at the start of `bytes`, returning it and the offset of the array data.
    /// Throws `.corruptFile` (naming `file`) for anything that is not a well-formed `.npy` header and
    /// `.unsupported` for well-formed headers of arrays Strata cannot hold (structured, complex …).
    public static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws -> (header: NPYHeader, dataOffset: Int) {
        func corrupt(_ message: String) -> StrataError {
            StrataError(.corruptFile, "not a valid .npy file: " + message, at: ErrorLocation(file: file))
        }
        guard bytes.count >= magic.count + 2, Array(bytes[0..<magic.count]) == magic else {
            throw corrupt("missing the \\x93NUMPY signature")
        }
        let major = bytes[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw StrataError(.unsupported, ".npy format version \(major).\(bytes[7]) is not supported", at: ErrorLocation(file: file))
        }
        let start = magic.count + 2 + lengthBytes
        guard bytes.count >= start else { throw corrupt("truncated header") }
        var length = 0
        for i in 0..<lengthBytes { length |= Int(bytes[magic.count + 2 + i]) << (8 * i) }
        guard bytes.count >= start + length else {
            throw corrupt("truncated header (\(length) bytes announced, \(bytes.count - start) present)")
        }
        // Versions 1 and 2 are Latin-1, version 3 is UTF-8; the dictionary Strata needs is ASCII.
        let text = String(decoding: bytes[start..<(start + length)], as: UTF8.self)
        var parser = PythonLiteralParser(text)
        let dictionary: [String: PythonLiteralParser.Value]
        do {
            guard case .dictionary(let d) = try parser.parseValue() else { throw corrupt("header is not a dictionary") }
            dictionary = d
        } catch let error as PythonLiteralParser.Failure {
            throw corrupt("unreadable header dictionary (\(error.message))")
        }
        guard case .string(let descr)? = dictionary["descr"] else {
            if dictionary["descr"] != nil {
                throw StrataError(.unsupported, "structured arrays are not supported", at: ErrorLocation(file: file))
            }
            throw corrupt("header has no 'descr' string")
        }
        guard let descriptor = NPYDescriptor(parsing: descr) else {
            throw StrataError(.unsupported, "NumPy dtype '\(descr)' is not supported", at: ErrorLocation(file: file))
        }
        guard case .bool(let fortran)? = dictionary["fortran_order"] else { throw corrupt("header has no 'fortran_order' flag") }
        guard case .tuple(let items)? = dictionary["shape"] else { throw corrupt("header has no 'shape' tuple") }
        var shape: [Int] = []
        for item in items {
            guard case .int(let d) = item, d >= 0 else { throw corrupt("shape is not a tuple of sizes") }
            shape.append(d)
        }
        return (NPYHeader(descriptor: descriptor, fortranOrder: fortran, shape: shape), start + length)
    }
}
