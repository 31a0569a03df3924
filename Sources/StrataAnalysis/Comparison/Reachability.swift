/// Which activations of one model are upstream of which: a bit matrix built from each activation's
/// nearest inputs, in graph order. Above `limit` activations it falls back to graph order (every
/// earlier activation counts as upstream), which bounds its memory.
struct Reachability: Sendable {
    static let limit = 16_384

    private let words: Int
    private let bits: [UInt64]
    private let ordered: Bool

    init(_ activations: [ComparedActivation]) {
        let n = activations.count
        guard n <= Self.limit else {
            words = 0
            bits = []
            ordered = true
            return
        }
        let words = (n + 63) / 64
        var bits = [UInt64](repeating: 0, count: n * words)
        for (i, activation) in activations.enumerated() {
            for j in activation.inputs {
                precondition(j >= 0 && j < i, "Reachability: activations are not in graph order")
                bits[i * words + j / 64] |= 1 << UInt64(j % 64)
                for w in 0 ..< words { bits[i * words + w] |= bits[j * words + w] }
            }
        }
        self.words = words
        self.bits = bits
        ordered = false
    }

    /// Whether activation `a` is (strictly) upstream of activation `b`.
    func isUpstream(_ a: Int, of b: Int) -> Bool {
        if ordered { return a < b }
        return bits[b * words + a / 64] & (1 << UInt64(a % 64)) != 0
    }
}
