import StrataCore

/// A store that declares another store's variables (names, shapes, dtypes, read from the file's
/// headers) but never reads their values: loading one gives zeros of the declared type over
/// untouched pages (`ZeroPages`). For importing a model's structure only.
struct ShapeOnlyWeightStore: KerasWeightStore {
    let base: KerasWeightStore

    func variables(at path: [String]) throws -> [KerasVariable] {
        try base.variables(at: path).map { variable in
            let what = "weight '\(variable.name)' of layer '\(path.joined(separator: "/"))'"
            return KerasVariable(name: variable.name, shape: variable.shape, dtype: variable.dtype, hasValues: false) {
                try ZeroPages.tensor(variable.dtype, variable.shape, for: what)
            }
        }
    }
}
