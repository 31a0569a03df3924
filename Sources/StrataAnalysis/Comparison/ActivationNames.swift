/// The name keys by which activations of two models are matched: whole names with converter and
/// quantizer decorations removed, and the components of path-like names (`model_1/conv1_1/Relu`).
struct ActivationNames: Sendable {
    /// Whole names without output indices (`:0`) and quantizer suffixes (`_DequantizeLinear_Output`).
    let exact: Set<String>
    /// Whole names also without converter counters (`BiasAdd__6` → `BiasAdd`).
    let full: Set<String>
    /// Path components, each also without a Keras 3 scope counter (`conv1_1` → `conv1`).
    let components: Set<String>

    init(_ names: [String]) {
        var exact: Set<String> = []
        var full: Set<String> = []
        var components: Set<String> = []
        for name in names where !name.isEmpty {
            exact.insert(Self.normalized(name, counters: false))
            let whole = Self.normalized(name)
            full.insert(whole)
            let parts = whole.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            guard parts.count > 1 else { continue }
            for part in parts {
                let part = Self.normalized(part)
                components.insert(part)
                if let base = Self.withoutCounter(part) { components.insert(base) }
            }
        }
        self.exact = exact
        self.full = full
        self.components = components.subtracting(full)
    }

    /// How strongly two activations are related by name: 3 when a whole name of one is a whole name
    /// of the other, 2 when that holds once converter counters are removed, 1 when a whole name of one
    /// is a component of the other's path, 0 otherwise.
    func strength(against other: ActivationNames) -> Int {
        if !exact.isDisjoint(with: other.exact) { return 3 }
        if !full.isDisjoint(with: other.full) { return 2 }
        if !full.isDisjoint(with: other.components) || !components.isDisjoint(with: other.full) { return 1 }
        return 0
    }

    /// Suffixes converters and quantizers add to a tensor or node name.
    static let decorations = [
        "_QuantizeLinear_Output", "_DequantizeLinear_Output", "_QuantizeLinear", "_DequantizeLinear",
        "_quantized", "_dequantized", "_fp16", "_fp32",
    ]

    /// `name` without a TensorFlow output index (`:0`), quantizer suffixes and (with `counters`)
    /// tf2onnx/onnxsim counters (`__6`), removed repeatedly.
    static func normalized(_ name: String, counters: Bool = true) -> String {
        var name = Substring(name)
        var changed = true
        while changed && !name.isEmpty {
            changed = false
            if let colon = name.lastIndex(of: ":"), colon != name.startIndex, name[name.index(after: colon)...].allSatisfy(\.isNumber),
               name.index(after: colon) != name.endIndex {
                name = name[..<colon]
                changed = true
            }
            for suffix in decorations where name.hasSuffix(suffix) && name.count > suffix.count {
                name = name.dropLast(suffix.count)
                changed = true
            }
            if counters, let counter = counterStart(name, underscores: 2) {
                name = name[..<counter]
                changed = true
            }
        }
        return String(name)
    }

    /// `part` without a trailing `_N`, or nil when it has none.
    static func withoutCounter(_ part: String) -> String? {
        counterStart(Substring(part), underscores: 1).map { String(part[..<$0]) }
    }

    /// Where a trailing run of `underscores` underscores followed by digits starts (with a non-empty
    /// name before it), or nil.
    private static func counterStart(_ name: Substring, underscores: Int) -> Substring.Index? {
        guard let last = name.last, last.isNumber else { return nil }
        var i = name.endIndex
        while i > name.startIndex, name[name.index(before: i)].isNumber { i = name.index(before: i) }
        var marks = 0
        var j = i
        while j > name.startIndex, name[name.index(before: j)] == "_", marks < underscores {
            j = name.index(before: j)
            marks += 1
        }
        guard marks == underscores, j > name.startIndex else { return nil }
        if underscores == 1, name[name.index(before: j)] == "_" { return nil }
        return j
    }
}
