import CISAL

/// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected, initial value and final XOR 0xFFFFFFFF), the
/// checksum of TFRecord framing; `CRC32C.checksum("123456789")` is 0xE3069283. Computed by Intel
/// ISA-L's `crc32_iscsi` (Debian libisal-dev), which chooses its fastest implementation for the CPU
/// at run time; every implementation gives the same value.
public enum CRC32C {
    /// The CRC-32C of `bytes`. `continuing` is the checksum of the bytes before them (0 for none),
    /// so that `checksum(b, continuing: checksum(a))` equals `checksum(a + b)`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        // ISA-L works on the register without the final inversion; its length is an Int32.
        var register = ~previous
        guard var base = bytes.baseAddress else { return previous }
        var left = bytes.count
        while left > 0 {
            let chunk = Swift.min(left, 1 << 30)
            register = UInt32(crc32_iscsi(UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self)), Int32(chunk), register))
            base += chunk
            left -= chunk
        }
        return ~register
    }

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// The masked form TFRecord stores (`tensorflow/core/lib/hash/crc32c.h` `Mask`): the checksum
    /// rotated right by 15 bits plus 0xA282EAD8, modulo 2³², so that a checksum of bytes that
    /// themselves hold checksums is not trivially related to them.
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// The portable implementation (ISA-L's `crc32_iscsi_base`), for checking that the one chosen for
    /// this CPU agrees with it.
    static func baselineChecksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            return ~UInt32(crc32_iscsi_base(UnsafeMutablePointer(mutating: base), Int32(buffer.count), ~0))
        }
    }
}
