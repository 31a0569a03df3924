import StrataCore

extension Engine {
    /// Brings the weights into the form runs read them in, now rather than during the first run:
    /// packs the constant matrices kernels keep in their own layout (`WeightPacking`) and reads the
    /// rest into memory (`TensorStorage.makeResident`). For timing a load as the whole cost of
    /// having the weights ready (`strata bench`).
    public func prepareWeights() throws {
        for (index, kernel) in kernels.enumerated() {
            guard let packing = kernel as? any WeightPacking else { continue }
            do {
                try packing.packWeights()
            } catch {
                throw error.strata(at: graph.nodes[index].location)
            }
        }
        for tensor in graph.initializers.values { tensor.storage.makeResident() }
    }
}
