import Foundation
import StrataCore

/// NumPy `.npy` files: one tensor per file, C order, little-endian when written by Strata.
///
/// Writing produces exactly the bytes `numpy.save` produces for the same array, except that
/// types NumPy has none for are widened exactly: bfloat16, float8 and float4 to float32 (`<f4`),
/// int4/int2 to int8 and uint4/uint2 to uint8; `bfloat16(fromFloat32:)` and
/// `lowBit(_:from:)` turn such data back. Reading accepts every dtype Strata has, either byte order, and Fortran order (transposed
/// to C order on read).
public enum NPYFile {
    /// The complete file contents for `tensor` (header followed by the elements).
    public static func encode(_ tensor: Tensor) throws -> [UInt8] {
        let stored = try storedForm(tensor)
        var bytes = header(for: stored).encoded()
        bytes += UnsafeRawBufferPointer(start: stored.rawPointer, count: stored.byteCount)
        return bytes
    }

    /// Writes `tensor` to `path` atomically (temporary file in the same folder, then rename).
    public static func write(_ tensor: Tensor, to path: String, notOverwriting inputs: [String] = []) throws {
        let stored = try storedForm(tensor)
        let head = header(for: stored).encoded()
        try head.withUnsafeBytes { headBytes in
            try AtomicFile.write(path, chunks: [headBytes, UnsafeRawBufferPointer(start: stored.rawPointer, count: stored.byteCount)],
                                 notOverwriting: inputs)
        }
    }

    /// Reads the tensor in the `.npy` file at `path` (a regular file; see `InputFile`).
    public static func read(_ path: String) throws -> Tensor {
        try InputFile.withMapped(path) { try decode($0, file: path) }
    }

    /// Parses `.npy` file contents; `file` names the source in errors.
    public static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws -> Tensor {
        let (header, offset) = try NPYHeader.decode(bytes, file: file)
        let dtype = header.descriptor.dtype
        // Every partial product must fit: a zero dim must not hide an overflowing product.
        guard let count = header.shape.checkedElementCount else {
            throw StrataError(.corruptFile, "not a valid .npy file: shape \(header.shape) has more elements than a 64-bit size can count",
                              at: ErrorLocation(file: file))
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        let available = bytes.count - offset
        guard !overflow, needed <= available else { throw truncated(header, available: available, file: file) }
        guard needed == available else {
            throw StrataError(
                .corruptFile, "not a valid .npy file: \(available - needed) unexpected bytes after the array data",
                at: ErrorLocation(file: file))
        }
        let tensor: Tensor
        do {
            tensor = try Tensor(dtype: dtype, shape: header.shape)
        } catch let error as StrataError {
            throw error.inFile(file)
        }
        guard needed > 0, let source = bytes.baseAddress?.advanced(by: offset) else { return tensor }
        let size = dtype.byteSize
        if header.fortranOrder && header.shape.count > 1 {
            copyFortranToC(from: source, to: tensor.rawPointer, shape: header.shape, elementSize: size)
        } else {
            tensor.rawPointer.copyMemory(from: source, byteCount: needed)
        }
        if header.descriptor.bigEndian { swapBytes(tensor.rawPointer, count: count, elementSize: size) }
        return tensor
    }

    /// The header Strata writes for a tensor already in its stored form.
    static func header(for stored: Tensor) -> NPYHeader {
        NPYHeader(descriptor: NPYDescriptor.forWriting(stored.dtype), shape: stored.shape)
    }

    /// `tensor` as it goes into a file: the types NumPy has none for widened exactly to
    /// `NPYDescriptor.storedDType` (bfloat16 and low-bit floats to float32, int4/int2 to int8,
    /// uint4/uint2 to uint8), everything else unchanged.
    static func storedForm(_ tensor: Tensor) throws -> Tensor {
        let stored = NPYDescriptor.storedDType(tensor.dtype)
        guard stored != tensor.dtype else { return tensor }
        let out = try Tensor(dtype: stored, shape: tensor.shape)
        if tensor.dtype == .bfloat16 {
            let source = tensor.rawPointer.assumingMemoryBound(to: UInt16.self)
            let target = out.pointer(as: UInt32.self)
            for i in 0..<tensor.count { target[i] = UInt32(source[i]) << 16 }
        } else if let format = LowBitFloat(tensor.dtype) {
            let source = tensor.rawPointer.assumingMemoryBound(to: UInt8.self)
            let target = out.pointer(as: Float.self)
            for i in 0..<tensor.count { target[i] = format.value(source[i]) }
        } else {
            // 4- and 2-bit integers are held one per byte already, as int8 or uint8.
            out.rawPointer.copyMemory(from: tensor.rawPointer, byteCount: tensor.byteCount)
        }
        return out
    }

    /// A float32 tensor narrowed to bfloat16 (round to nearest even, NaN kept), the inverse of how
    /// bfloat16 is written; exact for values that came from bfloat16.
    public static func bfloat16(fromFloat32 tensor: Tensor) throws -> Tensor {
        precondition(tensor.dtype == .float32, "bfloat16(fromFloat32:) needs a float32 tensor")
        let out = try Tensor(dtype: .bfloat16, shape: tensor.shape)
        let source = tensor.pointer(as: UInt32.self)
        let target = out.pointer(as: UInt16.self)
        for i in 0..<tensor.count {
            let bits = source[i]
            if Float(bitPattern: bits).isNaN {
                target[i] = UInt16(bits >> 16) | 0x0040
            } else {
                target[i] = UInt16((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
            }
        }
        return out
    }

    /// A tensor as `.npy` holds it for low-bit `dtype` (float32 for the low-bit floats, int8 or
    /// uint8 for the 4- and 2-bit integers, as Strata writes them) narrowed to `dtype`: floats
    /// rounded to nearest even as ml_dtypes's `astype` does (exact for values that came from
    /// `dtype`); integers must lie in `dtype`'s range, else an `.invalidInput` error. `what` names
    /// the data in errors.
    public static func lowBit(_ dtype: DType, from tensor: Tensor, _ what: String) throws -> Tensor {
        precondition(dtype.isLowBit, "lowBit(_:from:) needs a low-bit dtype")
        let expected = NPYDescriptor.storedDType(dtype)
        guard tensor.dtype == expected else {
            throw StrataError(.invalidInput, "\(what) is \(tensor.dtype.rawValue); \(dtype.rawValue) data is given as \(expected.rawValue)")
        }
        let out = try Tensor(dtype: dtype, shape: tensor.shape)
        let target = out.rawPointer.assumingMemoryBound(to: UInt8.self)
        if let format = LowBitFloat(dtype) {
            let source = tensor.pointer(as: Float.self)
            for i in 0..<tensor.count { target[i] = format.bits(Double(source[i]), saturate: false) }
            return out
        }
        let range: ClosedRange<Int>
        switch dtype {
        case .int4: range = -8...7
        case .uint4: range = 0...15
        case .int2: range = -2...1
        default: range = 0...3
        }
        for i in 0..<tensor.count {
            let value = tensor.intValue(at: i)
            guard range.contains(value) else {
                throw StrataError(.invalidInput, "\(what): element \(i) is \(value), outside \(dtype.rawValue)'s range \(range.lowerBound)...\(range.upperBound)")
            }
            target[i] = UInt8(truncatingIfNeeded: value)
        }
        return out
    }

    private static func truncated(_ header: NPYHeader, available: Int, file: String) -> StrataError {
        StrataError(
            .corruptFile,
            "truncated .npy file: shape \(header.shape) of \(header.descriptor.dtype.rawValue) needs more than the \(available) data bytes present",
            at: ErrorLocation(file: file))
    }

    /// Reorders elements stored column-major (first index fastest) into row-major order.
    private static func copyFortranToC(from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, shape: [Int], elementSize: Int) {
        let rank = shape.count
        var strides = [Int](repeating: 1, count: rank)
        for k in 1..<rank { strides[k] = strides[k - 1] * shape[k - 1] }
        var index = [Int](repeating: 0, count: rank)
        var sourceOffset = 0
        for i in 0..<shape.elementCount {
            (target + i * elementSize).copyMemory(from: source + sourceOffset * elementSize, byteCount: elementSize)
            var k = rank - 1
            while k >= 0 {
                index[k] += 1
                sourceOffset += strides[k]
                if index[k] < shape[k] { break }
                sourceOffset -= strides[k] * shape[k]
                index[k] = 0
                k -= 1
            }
        }
    }

    private static func swapBytes(_ pointer: UnsafeMutableRawPointer, count: Int, elementSize: Int) {
        let bytes = pointer.assumingMemoryBound(to: UInt8.self)
        for i in 0..<count {
            let base = bytes + i * elementSize
            var lo = 0, hi = elementSize - 1
            while lo < hi {
                swap(&base[lo], &base[hi])
                lo += 1
                hi -= 1
            }
        }
    }
}
