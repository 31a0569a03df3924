import StrataCore

/// The boxes an entry of a Keras layer's `connectedTo` list (`layer[call][output]`) stands for,
/// across nested model boundaries, as `keras.utils.model_to_dot(expand_nested=True)` draws them.
///
/// An entry names a layer of the model the reading layer belongs to. When that layer is:
/// - a leaf layer, or a nested model drawn as one box: its box;
/// - an InputLayer of a nested model (named in the rows, or the unnamed input of a Sequential):
///   whatever feeds the nested model's call, so the edge runs from the layer outside straight to
///   the layer inside (model_to_dot's edge into the nested InputLayer and on from it is the same
///   connection; Strata draws no box for a nested InputLayer). Keras 3 connects input `i` of the
///   call to the model's `i`-th input; Keras 2 (tf_keras) connects every input of the call to the
///   first node of the model's cluster, the first layer in the model's layer order (an
///   InputLayer), so the model's other inputs get no edge from outside;
/// - a nested model drawn as a cluster: the layer inside producing that output. Keras 3 follows
///   `model.outputs[i]` down, through models nested deeper; Keras 2 takes the last node of the
///   model's cluster, the last layer that is not itself a nested model, whichever output is read.
///
/// The model's outputs are not in the rows; the layer producing output `i` is the last direct
/// layer of the model whose first-call activation is the tensor the capture table records for the
/// model's output `i` (later wins, so a chain of pass-through layers ends at its last layer).
struct KerasConnections {
    private let rows: [String: SourceLayer]
    /// Direct layers of each model by path (the top level is ""), in row order, InputLayers included.
    private let children: [String: [SourceLayer]]
    private let models: Set<String>
    /// First-call activations by layer path and output index.
    private let activations: [String: [Int: String]]
    private let kerasMajor: Int
    /// The box of a layer path cut to the drawn depth, nil when the layer has none.
    private let box: (String) -> Int?
    /// The box of a top-level input by name.
    private let inputBox: (String) -> Int?

    init(rows: [SourceLayer], models: Set<String>, captureTable: [LayerOutput], kerasMajor: Int,
         box: @escaping (String) -> Int?, inputBox: @escaping (String) -> Int?) {
        var byPath: [String: SourceLayer] = [:]
        var children: [String: [SourceLayer]] = [:]
        for row in rows {
            byPath[row.name] = row
            children[row.path.dropLast().joined(separator: "/"), default: []].append(row)
        }
        var activations: [String: [Int: String]] = [:]
        for row in captureTable where (row.call ?? 0) == 0 && activations[row.layer]?[row.output] == nil {
            activations[row.layer, default: [:]][row.output] = row.tensor
        }
        self.rows = byPath
        self.children = children
        self.models = models
        self.activations = activations
        self.kerasMajor = kerasMajor
        self.box = box
        self.inputBox = inputBox
    }

    /// The boxes `entry` of the `connectedTo` list of layer `reader` stands for (possibly none, for
    /// a Keras 2 nested model input after the first); nil when it cannot be told.
    func sources(of entry: String, reading reader: String) -> [Int]? {
        let (name, output) = Self.parse(entry)
        return resolve(name, output: output, in: parent(of: reader))
    }

    /// The tensor `entry` of the `connectedTo` list of layer `reader` reads, as the capture table
    /// records it; nil when it is not recorded.
    func tensor(of entry: String, reading reader: String) -> String? {
        tensor(of: entry, in: parent(of: reader))
    }

    private func tensor(of entry: String, in scope: String) -> String? {
        let (name, output) = Self.parse(entry)
        return activations[scope.isEmpty ? name : scope + "/" + name]?[output]
    }

    private func resolve(_ name: String, output: Int, in scope: String) -> [Int]? {
        let path = scope.isEmpty ? name : scope + "/" + name
        guard let row = rows[path] else {
            // The summary has no row for a Sequential's InputLayer; its first layer reads it.
            if rows[scope]?.className == "Sequential" { return modelInput(scope, index: 0) }
            return nil
        }
        if row.className == "InputLayer" {
            if scope.isEmpty { return inputBox(name).map { [$0] } }
            let inputs = (children[scope] ?? []).filter { $0.className == "InputLayer" }
            guard let position = inputs.firstIndex(where: { $0.name == path }) else { return nil }
            if kerasMajor < 3 { return modelInput(scope, index: position) }
            // The rows list a model's InputLayers in its layer order, not its input order: the
            // call's input is the one carrying the tensor the InputLayer stands for.
            let fed = activations[path]?[0]
            let index = rows[scope]?.connectedTo.firstIndex { fed != nil && tensor(of: $0, in: parent(of: scope)) == fed }
            return modelInput(scope, index: index ?? position)
        }
        if let b = box(path) { return [b] }
        return models.contains(path) ? modelOutput(path, index: output) : nil
    }

    private func modelInput(_ model: String, index: Int) -> [Int]? {
        guard let row = rows[model] else { return nil }
        let entries: ArraySlice<String>
        if kerasMajor >= 3 {
            guard index < row.connectedTo.count else { return nil }
            entries = row.connectedTo[index...index]
        } else {
            entries = index == 0 ? row.connectedTo[...] : []
        }
        var boxes: [Int] = []
        for entry in entries {
            let (name, output) = Self.parse(entry)
            guard let found = resolve(name, output: output, in: parent(of: model)) else { return nil }
            boxes += found
        }
        return boxes
    }

    private func modelOutput(_ model: String, index: Int) -> [Int]? {
        let layers = (children[model] ?? []).filter { $0.className != "InputLayer" }
        if kerasMajor < 3 {
            return layers.last { !models.contains($0.name) }.flatMap { box($0.name) }.map { [$0] }
        }
        var producer: (row: SourceLayer, output: Int)?
        if let tensor = activations[model]?[index] {
            for row in layers.reversed() {
                if let output = activations[row.name]?.first(where: { $0.value == tensor })?.key {
                    producer = (row, output)
                    break
                }
            }
        }
        if producer == nil, rows[model]?.className == "Sequential", let last = layers.last { producer = (last, index) }
        guard let (row, output) = producer else { return nil }
        if let b = box(row.name) { return [b] }
        return models.contains(row.name) ? modelOutput(row.name, index: output) : nil
    }

    /// The model enclosing layer `path` ("" at the top level), from the layer's own row: a name may
    /// contain `/` without being nested.
    private func parent(of path: String) -> String {
        rows[path]?.path.dropLast().joined(separator: "/") ?? ""
    }

    /// `layer[call][output]` as (layer, output); a bare name reads output 0.
    static func parse(_ entry: String) -> (name: String, output: Int) {
        let name = String(entry.prefix { $0 != "[" })
        let indices = entry.dropFirst(name.count).split(whereSeparator: { $0 == "[" || $0 == "]" })
        return (name, indices.count > 1 ? Int(indices[1]) ?? 0 : 0)
    }
}
