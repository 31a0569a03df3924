/// Reading the small integer and float inputs of shape ops (axes, pads, repeats, scales) in type rules.
extension InferenceContext {
    /// Input `i` as concrete integers; nil when the input is absent. Throws `Unknown` when it is
    /// given but its value (or a symbolic entry of it) is not known before running.
    func knownInts(_ i: Int) throws -> [Int]? {
        guard hasInput(i) else { return nil }
        guard let dims = dimsValue(i), let values = dims.concrete else { throw Unknown() }
        return values
    }

    /// Input `i` as floats when it is a known constant; nil when absent or empty. Throws `Unknown`
    /// when it is given but not known before running.
    func knownFloats(_ i: Int) throws -> [Float]? {
        guard hasInput(i) else { return nil }
        guard let t = constant(i) else { throw Unknown() }
        return t.count == 0 ? nil : t.floats()
    }

    /// The type of the first input whose type is known (for ops whose inputs share a dtype).
    func firstKnownType() throws -> ValueType {
        guard let t = inputTypes.lazy.compactMap({ $0 }).first else { throw Unknown() }
        return t
    }
}
