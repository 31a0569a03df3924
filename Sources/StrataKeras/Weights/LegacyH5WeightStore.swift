import StrataCore

/// Weights in the legacy HDF5 layout written by `model.save("x.h5")` (under `/model_weights`) and by
/// Keras 2 `save_weights` (at the root): one group per top-level layer, listed by the `layer_names`
/// attribute, whose `weight_names` attribute lists its datasets in `layer.weights` order.
///
/// A nested model is one group holding all its inner layers' variables; those of inner layer `L` are the
/// ones whose weight name has `L` as the component before the variable name (`L/kernel:0`).
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
            selected = names.filter { name in
                let parts = name.split(separator: "/")
                return parts.count >= 2 && parts[parts.count - 2] == inner
            }
        }
        return try selected.map { name in
            try file.variable(group + "/" + name, name: String(name.split(separator: "/").last ?? Substring(name)))
        }
    }
}
