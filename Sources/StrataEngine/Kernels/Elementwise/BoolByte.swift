/// A `bool` element: one byte, 0 or 1.
struct BoolByte: CastSource, CastTarget {
    var raw: UInt8
    init(castingDouble value: Double) { raw = value != 0 ? 1 : 0 }
    init(castingInt64 value: Int64) { raw = value != 0 ? 1 : 0 }
    init(castingUInt64 value: UInt64) { raw = value != 0 ? 1 : 0 }
    func cast<T: CastTarget>(to type: T.Type) -> T { T(castingInt64: raw != 0 ? 1 : 0) }
}
