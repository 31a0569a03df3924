import StrataCore

/// Weights in the legacy HDF5 layout written by `model.save("x.h5")` (under `/model_weights`) and by
/// Keras 2 `save_weights` (at the root): one group per top-level layer, listed by the `layer_names`
/// attribute, whose `weight_names` attribute lists its datasets in `layer.weights` order.
///
/// A nested model is one group holding all its inner layers' variables; those of inner layer `L` are the
/// ones whose weight name is `L` followed by the variable name (`L/kernel:0`), possibly after scopes.
struct LegacyH5WeightStore: KerasWeightStore {
    let file: HDF5File
    /// `/model_weights` or `/`.
    let root: String

    func variables(at path: [String]) throws -> [KerasVariable] {
        guard let top = path.first else { return [] }
        let group = (root == "/" ? "" : root) + "/" + top
        guard try file.kind(group) == .group else { return [] }
        let names = try file.stringsAttribute(group, "weight_names") ?? []
        var selected = names
        if path.count > 1, let inner = path.last {
            // A layer name may itself contain `/` (Keras 2's DenseNet names `conv1/conv`), so the layer is
            // the whole of the weight name before the variable, or its end after scopes. An exact match
            // wins, so that `conv` does not take the variables of a sibling named `block/conv`.
            let scoped = names.map { name in (name, name.split(separator: "/").dropLast().joined(separator: "/")) }
            let exact = scoped.filter { $0.1 == inner }
            selected = (exact.isEmpty ? scoped.filter { $0.1.hasSuffix("/" + inner) } : exact).map(\.0)
        }
        return try selected.map { name in
            try file.variable(group + "/" + name, name: String(name.split(separator: "/").last ?? Substring(name)))
        }
    }
}
