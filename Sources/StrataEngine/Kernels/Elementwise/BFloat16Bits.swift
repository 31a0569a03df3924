/// A `bfloat16` element: the upper half of a `Float`'s bits.
struct BFloat16Bits: CastSource, CastTarget {
    var raw: UInt16

    init(_ value: Float) {
        if value.isNaN {
            raw = 0x7FC0
        } else {
            // Round to nearest, ties to even, on the 16 dropped bits.
            let bits = value.bitPattern
            raw = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
        }
    }

    var floatValue: Float { Float(bitPattern: UInt32(raw) << 16) }

    init(castingDouble value: Double) { self.init(Float(value)) }
    init(castingInt64 value: Int64) { self.init(Float(value)) }
    init(castingUInt64 value: UInt64) { self.init(Float(value)) }
    func cast<T: CastTarget>(to type: T.Type) -> T { T(castingDouble: Double(floatValue)) }
}
