/// A kernel that keeps constant weights in a layout of its own (`PackedGemmWeight`), made on its
/// first run, or ahead of runs by `Engine.prepareWeights()`.
protocol WeightPacking: Kernel {
    /// Packs the kernel's weights now, where the active kernel tier uses the packed layout.
    func packWeights() throws
}
