import StrataCore

extension KerasImporter {
    /// Whether an import reads the weights' values.
    public enum WeightLoading: Sendable {
        /// Every weight the model uses is read: the model can be run and exported.
        case values
        /// Only the weights' declared shapes and dtypes are read (from the file's headers): the graph,
        /// its types, parameter counts and source layers are those of `.values`, but initializers made
        /// from weights hold zeros over untouched memory, and the model is marked
        /// (`Model.hasWeightValues` false) so that the engine refuses to run it. For `inspect`,
        /// `layers` and `diagram`.
        case shapesOnly
    }
}
