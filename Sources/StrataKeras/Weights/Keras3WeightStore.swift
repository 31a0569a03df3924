import Foundation
import StrataCore

/// Weights in the Keras 3 layout (`model.weights.h5` in a `.keras` archive, `save_weights("x.weights.h5")`):
/// `layers/<path>/vars/<i>`, where each path part is the snake_case class name with a per-container counter
/// (`conv2d`, `conv2d_1`, nested as `layers/functional/layers/dense`). Keras ≥ 3.6 also writes the
/// layer's own name as a `name` attribute of `vars`, which is preferred when present.
struct Keras3WeightStore: KerasWeightStore {
    let file: HDF5File
    /// Layer path (names joined by "/") → HDF5 group holding `vars`.
    let groups: [String: String]

    init(file: HDF5File, model: KerasModelSpec) throws {
        self.file = file
        var groups: [String: String] = [:]
        try Self.assign(model, namePrefix: "", groupPrefix: "/layers", file: file, into: &groups)
        self.groups = groups
    }

    private static func assign(
        _ model: KerasModelSpec, namePrefix: String, groupPrefix: String, file: HDF5File, into groups: inout [String: String]
    ) throws {
        // Groups named by the `name` attribute, when the writer recorded it.
        var byName: [String: String] = [:]
        let children = try file.kind(groupPrefix) == .group ? try file.children(groupPrefix) : []
        for child in children {
            let vars = groupPrefix + "/" + child + "/vars"
            guard try file.kind(vars) == .group, let name = try file.stringAttribute(vars, "name") else { continue }
            byName[name] = groupPrefix + "/" + child
        }
        var counters: [String: Int] = [:]
        for layer in model.layers {
            // Sequential's `layers` (which Keras walks when saving) leaves out the input layer.
            if model.kind == .sequential && layer.className == "InputLayer" { continue }
            let base = snakeCase(layer.className)
            let count = counters[base, default: 0]
            counters[base] = count + 1
            let group = byName[layer.name] ?? groupPrefix + "/" + (count == 0 ? base : "\(base)_\(count)")
            groups[namePrefix + layer.name] = group
            if let nested = layer.nested {
                try assign(nested, namePrefix: namePrefix + layer.name + "/", groupPrefix: group + "/layers", file: file, into: &groups)
            }
        }
    }

    /// Keras' `to_snake_case`: `DepthwiseConv2D` → `depthwise_conv2d`, `BatchNormalization` → `batch_normalization`.
    static func snakeCase(_ name: String) -> String {
        let s = NSMutableString(string: name.filter { $0.isLetter || $0.isNumber || $0 == "_" })
        for pattern in snakeCasePatterns {
            pattern.replaceMatches(in: s, range: NSRange(location: 0, length: s.length), withTemplate: "$1_$2")
        }
        return (s as String).lowercased()
    }

    /// Compiled once: `replacingOccurrences(options: .regularExpression)` compiles its pattern on every
    /// call, which was 6 % of `strata inspect` on a ResNet50 `.keras` file (one call per layer).
    private static let snakeCasePatterns = ["(.)([A-Z][a-z]+)", "([a-z])([A-Z])"].map { try! NSRegularExpression(pattern: $0) }

    func variables(at path: [String]) throws -> [KerasVariable] {
        guard let group = groups[path.joined(separator: "/")], try file.kind(group + "/vars") == .group else { return [] }
        return try variables(inGroup: group)
    }

    /// Sub-layers a layer saves under its own group (an RNN's `cell`, a wrapper's `forward_layer` /
    /// `backward_layer` / `layer`, attention projections), in the order `layer.weights` lists them.
    private static let sublayerOrder = ["cell", "forward_layer", "backward_layer", "layer",
                                        "query_dense", "key_dense", "value_dense", "output_dense"]

    /// The group's own `vars`, then its sub-layers' variables (known names in Keras' order, then others
    /// alphabetically), depth first.
    private func variables(inGroup group: String) throws -> [KerasVariable] {
        var result: [KerasVariable] = []
        if try file.kind(group + "/vars") == .group {
            let names = try file.children(group + "/vars").filter { Int($0) != nil }.sorted { Int($0)! < Int($1)! }
            result = try names.map { try file.variable(group + "/vars/" + $0, name: $0) }
        }
        let children = try file.children(group).filter { child in
            guard child != "vars", child != "layers" else { return false }
            return try file.kind(group + "/" + child) == .group
        }
        // tf_keras archives keep the attribute's leading underscore (`_query_dense`).
        func rank(_ child: String) -> Int {
            let bare = child.hasPrefix("_") ? String(child.dropFirst()) : child
            return Self.sublayerOrder.firstIndex(of: bare) ?? Self.sublayerOrder.count
        }
        let ordered = children.sorted { (rank($0), $0) < (rank($1), $1) }
        for child in ordered {
            result += try variables(inGroup: group + "/" + child).map { $0.renamed("\(child)/\($0.name)") }
        }
        return result
    }
}
