/// The einsum equations of Keras' MultiHeadAttention, built the way Keras builds them so that scores
/// come out in Keras' axis order.
///
/// Projected tensors have rank `rank`: `[batch, <other dims>, <attention dims>, heads, channels]`, with
/// the attention axes anywhere before the channels. Letters `a`, `b`, … name the query's axes in order;
/// the key and value reuse them except on the attention axes, which get fresh letters. Scores are
/// `[<batch and other dims, heads in place>, <query attention dims>, <key attention dims>]`, with the
/// attention dims in the order `axes` lists them.
struct KerasAttentionEquations {
    /// `key, query -> scores`.
    let dotProduct: String
    /// `scores, value -> output` (the query's layout).
    let combine: String
    /// Rank of the scores.
    let scoresRank: Int

    /// `axes` are non-negative, distinct and below `rank - 1` (the channels axis).
    init(rank: Int, axes: [Int]) {
        let target = (0 ..< rank).map(Self.letter)
        let batch = (0 ..< rank).filter { !axes.contains($0) && $0 != rank - 1 }
        var source = target
        var next = rank
        for i in 0 ..< rank where axes.contains(i) {
            source[i] = Self.letter(next)
            next += 1
        }
        let product = batch.map { target[$0] } + axes.map { target[$0] } + axes.map { source[$0] }
        let t = target.joined(), s = source.joined(), p = product.joined()
        dotProduct = "\(s),\(t)->\(p)"
        combine = "\(p),\(s)->\(t)"
        scoresRank = product.count
    }

    /// The projection equation of one of the layer's EinsumDense sub-layers: `free` axes pass through,
    /// `bound` axes are contracted with the kernel, `output` axes come from the kernel.
    static func projection(free: Int, bound: Int, output: Int) -> String {
        let freeLetters = (0 ..< free).map(letter).joined()
        let boundLetters = (free ..< free + bound).map(letter).joined()
        let outputLetters = (free + bound ..< free + bound + output).map(letter).joined()
        return "\(freeLetters)\(boundLetters),\(boundLetters)\(outputLetters)->\(freeLetters)\(outputLetters)"
    }

    private static func letter(_ i: Int) -> String {
        String(UnicodeScalar(UInt8(ascii: "a") + UInt8(i)))
    }
}
