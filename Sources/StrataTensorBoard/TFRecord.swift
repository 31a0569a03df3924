/// TFRecord framing, the container of TensorBoard's events files (`tensorflow/core/lib/io/record_writer.cc`):
/// each record is
///
///     uint64 length            (little-endian)
///     uint32 masked CRC-32C of the 8 length bytes
///     length bytes of data     (here: one serialized `Event`)
///     uint32 masked CRC-32C of the data
///
/// with masking as in `CRC32C.masked`.
public enum TFRecord {
    /// Bytes a record adds around its data.
    public static let overhead = 16

    /// Appends the record holding `data` to `output`.
    public static func append(_ data: [UInt8], to output: inout [UInt8]) {
        output.reserveCapacity(output.count + data.count + overhead)
        let length = UInt64(data.count)
        let header = (0 ..< 8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        output += header
        appendLittleEndian(CRC32C.masked(CRC32C.checksum(header)), to: &output)
        output += data
        appendLittleEndian(CRC32C.masked(CRC32C.checksum(data)), to: &output)
    }

    /// The record holding `data`.
    public static func record(_ data: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        append(data, to: &output)
        return output
    }

    private static func appendLittleEndian(_ value: UInt32, to output: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
