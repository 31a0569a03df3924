/// The working state of one `LayerMatcher.match` call.
struct LayerMatchState {
    let a: [ComparedActivation]
    let b: [ComparedActivation]
    let tolerance: ComparisonTolerance
    let reachA: Reachability
    let reachB: Reachability
    var accepted: [Int: LayerMatch] = [:]
    var used: Set<Int> = []
    private var evaluations: [Int: (LayoutTransform, ActivationDifference)?] = [:]
    private lazy var namesA: [ActivationNames] = a.map { ActivationNames($0.allNames) }
    private lazy var namesB: [ActivationNames] = b.map { ActivationNames($0.allNames) }
    private lazy var nameIndex: NameIndex = NameIndex(namesB)
    private lazy var sketchesB: [ValueSketch?] = b.map { $0.isConstant ? nil : ValueSketch($0.values) }
    private lazy var byCount: [Int: [Int]] = Dictionary(grouping: b.indices, by: { b[$0].values.count })

    init(_ a: [ComparedActivation], _ b: [ComparedActivation], _ tolerance: ComparisonTolerance) {
        self.a = a
        self.b = b
        self.tolerance = tolerance
        reachA = Reachability(a)
        reachB = Reachability(b)
    }

    // MARK: Pairs

    /// The best layout for comparing `b[j]` with `a[i]` and the difference there: the first layout
    /// that agrees, else the one with the highest cosine; nil when the element counts differ.
    mutating func evaluate(_ i: Int, _ j: Int) -> (LayoutTransform, ActivationDifference)? {
        let key = i * b.count + j
        if let known = evaluations[key] { return known }
        var best: (LayoutTransform, ActivationDifference)?
        for transform in LayoutTransform.candidates(from: b[j].shape, to: a[i].shape) {
            let difference = ActivationDifference.measure(a[i].values, transform.apply(b[j].values), tolerance: tolerance)
            if tolerance.accepts(difference) {
                best = (transform, difference)
                break
            }
            if best == nil || difference.cosine > best!.1.cosine { best = (transform, difference) }
        }
        evaluations[key] = best
        return best
    }

    func agrees(_ evaluation: (LayoutTransform, ActivationDifference)?) -> Bool {
        evaluation.map { tolerance.accepts($0.1) } ?? false
    }

    /// Whether pairing `a[i]` with `b[j]` keeps the graph order of every accepted pair.
    func consistent(_ i: Int, _ j: Int) -> Bool {
        for (i2, match) in accepted {
            let j2 = match.other
            if reachA.isUpstream(i2, of: i) && reachB.isUpstream(j, of: j2) { return false }
            if reachA.isUpstream(i, of: i2) && reachB.isUpstream(j2, of: j) { return false }
        }
        return true
    }

    mutating func accept(_ i: Int, _ j: Int, _ kind: MatchKind, evaluation: (LayoutTransform, ActivationDifference)?) {
        accepted[i] = LayerMatch(reference: i, other: j, kind: kind, transform: evaluation?.0 ?? .identity,
                                 difference: evaluation?.1, agrees: agrees(evaluation))
        used.insert(j)
    }

    // MARK: Names

    /// Name candidates of `a[i]` with their strength, strongest first, later activations first.
    mutating func nameCandidates(_ i: Int) -> [(other: Int, strength: Int)] {
        let names = namesA[i]
        var strength: [Int: Int] = [:]
        for key in names.exact {
            for j in nameIndex.exact[key] ?? [] { strength[j] = 3 }
        }
        for key in names.full {
            for j in nameIndex.full[key] ?? [] where strength[j] == nil { strength[j] = 2 }
            for j in nameIndex.components[key] ?? [] where strength[j] == nil { strength[j] = 1 }
        }
        for key in names.components {
            for j in nameIndex.full[key] ?? [] where strength[j] == nil { strength[j] = 1 }
        }
        return strength.map { ($0.key, $0.value) }.sorted { ($0.strength, $0.other) > ($1.strength, $1.other) }
    }

    /// Name pairs whose values agree, in graph order.
    mutating func matchAgreeingNames() {
        for i in a.indices where accepted[i] == nil {
            for (j, _) in nameCandidates(i) where b[j].values.count == a[i].values.count {
                let evaluation = evaluate(i, j)
                if agrees(evaluation) && consistent(i, j) {
                    accept(i, j, .name, evaluation: evaluation)
                    break
                }
            }
        }
    }

    /// Name pairs whose values do not agree, for activations no other pair claimed; from the end of
    /// the graph, so that of a fused chain sharing one name the downstream layer keeps it.
    mutating func matchRemainingNames() {
        for i in a.indices.reversed() where accepted[i] == nil {
            for (j, _) in nameCandidates(i) where b[j].values.count == a[i].values.count && !used.contains(j) && consistent(i, j) {
                accept(i, j, .name, evaluation: evaluate(i, j))
                break
            }
        }
    }

    // MARK: Values

    /// Value pairs: the earliest consistent activation that agrees, among those whose sketches allow
    /// it; one no other pair took if there is one (values repeat: a flatten of a pooled vector).
    mutating func matchValues() {
        for i in a.indices where accepted[i] == nil && !a[i].isConstant {
            let sketch = ValueSketch(a[i].values)
            var taken: (Int, (LayoutTransform, ActivationDifference)?)?
            for j in byCount[a[i].values.count] ?? [] {
                guard let other = sketchesB[j], other.mayAgree(with: sketch, tolerance: tolerance), consistent(i, j) else { continue }
                if used.contains(j) && taken != nil { continue }
                let evaluation = evaluate(i, j)
                guard agrees(evaluation) else { continue }
                if used.contains(j) {
                    taken = (j, evaluation)
                } else {
                    taken = nil
                    accept(i, j, .value, evaluation: evaluation)
                    break
                }
            }
            if let (j, evaluation) = taken { accept(i, j, .value, evaluation: evaluation) }
        }
    }

    /// Near pairs: for each layer still without a counterpart (and not fused into another node), the
    /// unclaimed, consistent activation of the same size with the highest cosine similarity, when it
    /// reaches `nearCosine`.
    mutating func matchNear() {
        for i in a.indices where accepted[i] == nil && !a[i].isConstant {
            // A layer folded into another node has no value of its own; the node is its successor's.
            if case .fused = reason(i) { continue }
            var best: (Int, (LayoutTransform, ActivationDifference))?
            for j in byCount[a[i].values.count] ?? [] where !used.contains(j) && sketchesB[j] != nil && consistent(i, j) {
                guard let evaluation = evaluate(i, j), evaluation.1.cosine >= tolerance.nearCosine else { continue }
                if best == nil || evaluation.1.cosine > best!.1.1.cosine { best = (j, evaluation) }
            }
            if let (j, evaluation) = best { accept(i, j, .near, evaluation: evaluation) }
        }
    }

    // MARK: Reasons

    /// Reference layers a converter folded into a node of the other model: a node whose weights
    /// carry the names of several layers (a Conv and its BatchNormalization) computes the value of
    /// the last of them in graph order; the ones before it are fused into that node.
    private lazy var fusedInto: [Int: String] = {
        var fused: [Int: String] = [:]
        for activation in b where !activation.constants.isEmpty {
            let constants = ActivationNames(activation.constants)
            let named = a.indices.filter { constants.strength(against: namesA[$0]) > 0 }
            // Graph order, not reachability: an importer may itself compute the folded value from the
            // first layer's input, leaving that layer's own value a side branch.
            for i in named where fused[i] == nil && named.contains(where: { $0 > i }) {
                fused[i] = activation.name
            }
        }
        return fused
    }()

    /// Why `a[i]` stayed unmatched: fused when the weights say so, or when an activation bearing
    /// its name holds the value of a later layer (an optimiser folded the two into one node).
    mutating func reason(_ i: Int) -> UnmatchedReason {
        if let into = fusedInto[i] { return .fused(into: into) }
        for (j, _) in nameCandidates(i) where accepted.contains(where: { $0.key > i && $0.value.other == j && $0.value.agrees }) {
            return .fused(into: b[j].name)
        }
        return .noCounterpart
    }
}
