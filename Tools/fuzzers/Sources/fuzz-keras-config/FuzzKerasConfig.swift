import Foundation
import FuzzHDF5Support
import FuzzSupport
import StrataCore
import StrataEngine
import StrataKeras

/// The weights-only Keras fixtures the fuzzed configs are paired with (`strata inspect W.h5 --config
/// C.json`); the input's first byte picks one, the rest is the model JSON (`model.to_json()`).
let weightFiles = [
    "cnn.k2w.h5", "cnn.k3w.weights.h5", "conv.k2w.h5", "functional.k2w.h5", "functional.k3w.weights.h5",
    "pooling.k2w.h5", "normalization.k2w.h5", "normalization.k3w.weights.h5", "lstm.k2w.h5", "gru.k3w.weights.h5",
    "attention.k2w.h5", "multi_head_attention.k3w.weights.h5", "einsum_dense.k2w.h5", "embedding.k3w.weights.h5",
    "merging.k2w.h5", "shapes.k2w.h5", "dynamic_resize.k3w.weights.h5", "time_distributed.k2w.h5",
    "bidirectional.k2w.h5", "conv_lstm.k3w.weights.h5", "masked_text.k2w.h5", "nested.k3w.weights.h5",
    "application_blocks.k2w.h5", "mixed_precision.k2w.h5", "tensor_ops.k3w.weights.h5", "dot_repeat.k2w.h5",
    "siamese.k2w.h5", "simple_rnn.k3w.weights.h5", "image_pipeline.k2w.h5", "rnn_cells.k2w.h5",
    "norm_axes.k3w.weights.h5", "mixed_activations.k2w.h5",
].map { FuzzFixtures.path("Fixtures/keras/" + $0) }

let config = FuzzFile(name: "config.json")

/// A Keras model config (JSON) as the importer parses and lowers it, with the stored weights of a real
/// model: `KerasImporter.load(path:configPath:)`, then what `inspect` and `run` do with the graph
/// (type inference, engine compilation). HDF5 runs in this process; the weights files are intact.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKerasConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let result = Fuzz.one(data, size) { bytes in
        guard let pick = bytes.first else { return }
        config.write(UnsafeRawBufferPointer(rebasing: bytes.dropFirst()))
        let model = try KerasImporter.load(path: weightFiles[Int(pick) % weightFiles.count], configPath: config.path)
        _ = model.graph.inferTypes()
        _ = SourceLayer.totals(model.sourceLayers)
        _ = try Engine(model: model, options: EngineOptions(threads: 1))
    }
    // Everything the input opened is closed once the model built from it is gone.
    let open = HDF5Objects.open
    if open != 0 { fatalError("\(open) HDF5 objects still open after the input was dropped") }
    return result
}
