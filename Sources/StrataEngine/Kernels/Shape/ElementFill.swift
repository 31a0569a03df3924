/// Fills memory with copies of one element of any size.
enum ElementFill {
    /// Writes `count` copies of the `elementSize` bytes at `value` starting at `destination`.
    static func fill(_ destination: UnsafeMutableRawPointer, count: Int, with value: UnsafeRawPointer, elementSize: Int) {
        guard count > 0 else { return }
        switch elementSize {
        case 1: destination.initializeMemory(as: UInt8.self, repeating: value.load(as: UInt8.self), count: count)
        case 2: destination.initializeMemory(as: UInt16.self, repeating: value.loadUnaligned(as: UInt16.self), count: count)
        case 4: destination.initializeMemory(as: UInt32.self, repeating: value.loadUnaligned(as: UInt32.self), count: count)
        case 8: destination.initializeMemory(as: UInt64.self, repeating: value.loadUnaligned(as: UInt64.self), count: count)
        default:
            for i in 0..<count { (destination + i * elementSize).copyMemory(from: value, byteCount: elementSize) }
        }
    }
}
