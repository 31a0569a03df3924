import Foundation
import FuzzHDF5Support
import FuzzSupport
import StrataCore
import StrataEngine
import StrataKeras

let modelFile = FuzzFile(name: "model.h5")

/// A Keras `.h5` model file through libhdf5 in this process (`HDF5Isolation.inProcess`): Strata's HDF5
/// reader (the code the `strata hdf5-worker` process runs: links, attributes, dataset checks, reads),
/// the config stored in the file and its lowering with the file's weights, then type inference and
/// engine compilation. libhdf5's own crashes and hangs on corrupt files show up here too; the CLI
/// survives those in its worker, and each one found is replayed through the binary by `make test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let result = Fuzz.one(data, size) { bytes in
        modelFile.write(bytes)
        let model = try KerasImporter.load(path: modelFile.path)
        _ = model.graph.inferTypes()
        _ = SourceLayer.totals(model.sourceLayers)
        _ = try Engine(model: model, options: EngineOptions(threads: 1))
    }
    // Everything the input opened is closed once the model built from it is gone.
    let open = HDF5Objects.open
    if open != 0 { fatalError("\(open) HDF5 objects still open after the input was dropped") }
    return result
}
