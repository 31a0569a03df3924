import StrataCore

/// A sequence or optional node's inputs, read with errors that name the node and the input.
struct SequenceInputs {
    let values: [Value?]
    let node: Node

    init(_ values: [Value?], node: Node) {
        self.values = values
        self.node = node
    }

    func has(_ i: Int) -> Bool { i < values.count && values[i] != nil }

    func sequence(_ i: Int) throws -> TensorSequence {
        guard i < values.count, let value = values[i] else { throw node.error("input \(i) is missing", kind: .invalidInput) }
        guard case .sequence(let s) = value else {
            throw node.error("input \(i) is \(value.kindName) (\(value.type)), not a sequence", kind: .invalidInput)
        }
        return s
    }

    func tensor(_ i: Int) throws -> Tensor {
        guard i < values.count, let value = values[i] else { throw node.error("input \(i) is missing", kind: .invalidInput) }
        guard case .tensor(let t) = value else {
            throw node.error("input \(i) is \(value.kindName) (\(value.type)), not a tensor", kind: .invalidInput)
        }
        return t
    }

    /// Input `i` as a position in a sequence of `count` elements: a one-element integer tensor in
    /// `-count ..< count + extra` (`extra` is 1 where the position may be the end, for insertion),
    /// made non-negative. Out of range is an error naming the position and the length.
    func position(_ i: Int, count: Int, extra: Int = 0) throws -> Int {
        let t = try tensor(i)
        guard t.dtype == .int32 || t.dtype == .int64, t.count == 1 else {
            throw node.error("the position must be one int32 or int64 value; it is \(t.type)", kind: .invalidInput)
        }
        let p = t.intValue(at: 0)
        guard p >= -count && p < count + extra else {
            throw node.error("position \(p) is out of range for a sequence of length \(count)", kind: .invalidInput)
        }
        return p < 0 ? p + count : p
    }
}
