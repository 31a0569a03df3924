import CONNXProto
import CProtobufC
import Foundation
import StrataCore

/// Owns the C memory of a protobuf-c message tree under construction: strings, arrays and
/// messages allocated here live until the arena is released, and tensors whose bytes a message
/// borrows are kept alive with it.
final class ProtoArena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var borrowed: [Tensor] = []

    deinit {
        for block in blocks { free(block) }
    }

    /// A NUL-terminated copy of `string`.
    func string(_ string: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(string)!
        blocks.append(UnsafeMutableRawPointer(copy))
        return copy
    }

    /// Zeroed storage for `count` values of `T` (at least one, so the pointer is never null).
    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = calloc(max(count, 1), MemoryLayout<T>.stride)!
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }

    /// A C array holding `values`.
    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let pointer = allocate(T.self, count: values.count)
        for (i, value) in values.enumerated() { (pointer + i).initialize(to: value) }
        return pointer
    }

    /// One message, initialised by protobuf-c's `init` function for its type.
    func message<T>(_ type: T.Type, _ initialize: (UnsafeMutablePointer<T>) -> Void) -> UnsafeMutablePointer<T> {
        let pointer = allocate(T.self, count: 1)
        initialize(pointer)
        return pointer
    }

    /// Binary data pointing at `tensor`'s bytes, which stay alive as long as the arena.
    func bytes(of tensor: Tensor) -> ProtobufCBinaryData {
        borrowed.append(tensor)
        return ProtobufCBinaryData(len: tensor.byteCount, data: tensor.rawPointer.assumingMemoryBound(to: UInt8.self))
    }

    /// Binary data holding a copy of `string`'s UTF-8 bytes.
    func bytes(of string: String) -> ProtobufCBinaryData {
        let utf8 = Array(string.utf8)
        let pointer = allocate(UInt8.self, count: utf8.count)
        for (i, byte) in utf8.enumerated() { pointer[i] = byte }
        return ProtobufCBinaryData(len: utf8.count, data: pointer)
    }
}
