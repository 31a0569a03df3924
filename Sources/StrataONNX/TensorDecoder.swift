import CONNXProto
import CProtobufC
import StrataCore

/// Turns the `TensorProto` messages of one parsed model into tensors.
///
/// Little-endian bytes that are already laid out as Strata stores them (raw_data, in the mapped
/// model file for large payloads; the typed arrays of float32/float64/int32/int64/uint64 tensors;
/// external data) are borrowed, not copied,
/// whenever they are aligned for the dtype; only conversions (int8 from `int32_data`, float16 bit
/// patterns, ...) and unaligned bytes are copied. Strata runs on little-endian machines only,
/// which is what ONNX's raw_data is.
///
/// Errors carry no location; the caller adds which initializer or attribute was being read.
final class TensorDecoder {
    /// Keeps the parsed message, and with it every borrowed byte, alive.
    let model: ParsedModel
    /// The folder external data locations are relative to.
    let folder: String
    /// External data files mapped so far, by resolved path, shared by all tensors in them.
    var mappedFiles: [String: MappedFile] = [:]

    init(model: ParsedModel, folder: String) {
        self.model = model
        self.folder = folder
    }

    func decode(_ proto: Onnx__TensorProto) throws -> Tensor {
        let dtype = try ONNXDataType.require(proto.has_data_type != 0 ? proto.data_type : 0)
        if proto.segment != nil { throw StrataError(.unsupported, "segmented tensors are not supported") }
        var shape: [Int] = []
        var count = 1
        for i in 0..<proto.n_dims {
            let dim = Int(proto.dims[i])
            guard dim >= 0 else {
                throw StrataError(.corruptFile, "negative dimension in dims \(TensorDecoder.dimsText(proto))")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { throw StrataError(.corruptFile, "dims \(TensorDecoder.dimsText(proto)) are too large") }
            shape.append(dim)
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        if overflow { throw StrataError(.corruptFile, "dims \(TensorDecoder.dimsText(proto)) are too large") }
        let layout = Layout(dtype: dtype, shape: shape, count: count, byteCount: byteCount)
        if let bits = TensorDecoder.packedBits(dtype) { return try unpacked(proto, layout, bits: bits) }

        if proto.has_data_location != 0 && proto.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
            return try external(proto, layout)
        }
        if proto.has_raw_data != 0 {
            let raw = proto.raw_data
            if let payload = model.payload(raw) {
                guard payload.count == byteCount else {
                    throw StrataError(.corruptFile, "raw_data has \(payload.count) bytes but \(layout) needs \(byteCount)")
                }
                return try borrowOrCopy(payload.bytes, layout, owner: payload.owner, deferringCopy: true)
            }
            guard raw.len == byteCount else {
                throw StrataError(.corruptFile, "raw_data has \(raw.len) bytes but \(layout) needs \(byteCount)")
            }
            return try borrowOrCopy(raw.data.map(UnsafeMutableRawPointer.init), layout, owner: model)
        }
        return try typedData(proto, layout)
    }

    /// The element type, shape and sizes of the tensor being decoded.
    struct Layout: CustomStringConvertible {
        let dtype: DType
        let shape: [Int]
        let count: Int
        let byteCount: Int

        var description: String { ValueType(dtype, concrete: shape).description }
    }

    /// A tensor over `bytes` (which `owner` keeps alive) if they are aligned for the dtype,
    /// otherwise over a copy: made now, or with `deferringCopy` (bytes in a mapped file) when the
    /// tensor's bytes are first used, after which the file's pages under them are let go (as they
    /// are for borrowed bytes in a mapped file once a kernel has repacked them, or the tensor is gone).
    func borrowOrCopy(_ bytes: UnsafeMutableRawPointer?, _ layout: Layout, owner: AnyObject, deferringCopy: Bool = false) throws -> Tensor {
        guard let bytes else { return try Tensor(dtype: layout.dtype, shape: layout.shape) }
        return try Tensor.borrowing(bytes, byteCount: layout.byteCount, dtype: layout.dtype, shape: layout.shape,
                                    owner: owner, deferringCopy: deferringCopy, dropPagesWhenDone: deferringCopy)
    }

    /// Elements held in the typed field the specification assigns to the dtype.
    private func typedData(_ proto: Onnx__TensorProto, _ layout: Layout) throws -> Tensor {
        func check(_ field: String, _ n: Int) throws {
            guard n == layout.count else {
                throw StrataError(.corruptFile, "\(field) has \(n) values but \(layout) needs \(layout.count)")
            }
        }
        switch layout.dtype {
        case .float32:
            try check("float_data", proto.n_float_data)
            return try borrowOrCopy(proto.float_data.map(UnsafeMutableRawPointer.init), layout, owner: model)
        case .float64:
            try check("double_data", proto.n_double_data)
            return try borrowOrCopy(proto.double_data.map(UnsafeMutableRawPointer.init), layout, owner: model)
        case .int64:
            try check("int64_data", proto.n_int64_data)
            return try borrowOrCopy(proto.int64_data.map(UnsafeMutableRawPointer.init), layout, owner: model)
        case .uint64:
            try check("uint64_data", proto.n_uint64_data)
            return try borrowOrCopy(proto.uint64_data.map(UnsafeMutableRawPointer.init), layout, owner: model)
        case .int32:
            try check("int32_data", proto.n_int32_data)
            return try borrowOrCopy(proto.int32_data.map(UnsafeMutableRawPointer.init), layout, owner: model)
        case .uint32:
            try check("uint64_data", proto.n_uint64_data)
            return try converted(proto.uint64_data, layout) { UInt32(truncatingIfNeeded: $0) }
        case .int16:
            try check("int32_data", proto.n_int32_data)
            return try converted(proto.int32_data, layout) { Int16(truncatingIfNeeded: $0) }
        case .uint16, .float16, .bfloat16:
            // float16 and bfloat16 values are stored as their 16-bit patterns.
            try check("int32_data", proto.n_int32_data)
            return try converted(proto.int32_data, layout) { UInt16(truncatingIfNeeded: $0) }
        case .int8:
            try check("int32_data", proto.n_int32_data)
            return try converted(proto.int32_data, layout) { Int8(truncatingIfNeeded: $0) }
        case .uint8:
            try check("int32_data", proto.n_int32_data)
            return try converted(proto.int32_data, layout) { UInt8(truncatingIfNeeded: $0) }
        case .bool:
            try check("int32_data", proto.n_int32_data)
            return try converted(proto.int32_data, layout) { $0 != 0 ? UInt8(1) : UInt8(0) }
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz:
            try check("int32_data", proto.n_int32_data)
            return try converted(proto.int32_data, layout) { UInt8(truncatingIfNeeded: $0) }
        case .float4e2m1, .int4, .uint4, .int2, .uint2:
            preconditionFailure("packed dtypes are decoded by unpacked(_:_:bits:)")
        }
    }

    /// Bits per element of the dtypes ONNX packs several to a byte (4 for int4, uint4 and
    /// float4e2m1, 2 for int2 and uint2); nil for the others.
    static func packedBits(_ dtype: DType) -> Int? {
        switch dtype {
        case .int4, .uint4, .float4e2m1: return 4
        case .int2, .uint2: return 2
        default: return nil
        }
    }

    /// A packed tensor (raw_data, or int32_data holding one packed byte per value; first element
    /// in the lowest bits) unpacked to one element per byte: the integers sign- or zero-extended,
    /// float4e2m1 as its bit pattern.
    private func unpacked(_ proto: Onnx__TensorProto, _ layout: Layout, bits: Int) throws -> Tensor {
        let perByte = 8 / bits
        let packedCount = layout.count / perByte + (layout.count % perByte == 0 ? 0 : 1)
        if proto.has_data_location != 0 && proto.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
            throw StrataError(.unsupported, "external data of \(layout.dtype.rawValue) tensors is not supported")
        }
        let byte: (Int) -> UInt8
        if proto.has_raw_data != 0 {
            let raw = proto.raw_data
            guard raw.len == packedCount else {
                throw StrataError(.corruptFile, "raw_data has \(raw.len) bytes but \(layout) needs \(packedCount) (\(perByte) per byte)")
            }
            guard let data = raw.data else { return try Tensor(dtype: layout.dtype, shape: layout.shape) }
            byte = { data[$0] }
        } else {
            guard proto.n_int32_data == packedCount else {
                throw StrataError(.corruptFile, "int32_data has \(proto.n_int32_data) values but \(layout) needs \(packedCount) (\(perByte) per value)")
            }
            guard let data = proto.int32_data else { return try Tensor(dtype: layout.dtype, shape: layout.shape) }
            byte = { UInt8(truncatingIfNeeded: data[$0]) }
        }
        let tensor = try Tensor(dtype: layout.dtype, shape: layout.shape)
        let out = tensor.rawPointer.assumingMemoryBound(to: UInt8.self)
        let mask = UInt8((1 << bits) - 1)
        let signed = layout.dtype == .int4 || layout.dtype == .int2
        for i in 0..<layout.count {
            let field = (byte(i / perByte) >> UInt8((i % perByte) * bits)) & mask
            // Sign extension: the field's top bit copied into the byte's high bits.
            out[i] = signed && field & (mask >> 1 + 1) != 0 ? field | ~mask : field
        }
        return tensor
    }

    /// A new tensor whose elements are `convert` applied to `layout.count` source values.
    private func converted<Source, Element>(
        _ source: UnsafeMutablePointer<Source>?, _ layout: Layout, _ convert: (Source) -> Element
    ) throws -> Tensor {
        let tensor = try Tensor(dtype: layout.dtype, shape: layout.shape)
        guard let source, layout.count > 0 else { return tensor }
        let out = tensor.rawPointer.assumingMemoryBound(to: Element.self)
        for i in 0..<layout.count { out[i] = convert(source[i]) }
        return tensor
    }

    static func dimsText(_ proto: Onnx__TensorProto) -> String {
        "[" + (0..<proto.n_dims).map { String(proto.dims[$0]) }.joined(separator: ", ") + "]"
    }
}
