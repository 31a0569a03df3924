import Foundation
import FuzzSupport
import StrataCore
import StrataEngine
import StrataONNX

/// The named place of the fuzzed model: in Fixtures/onnx/external, so that external data it names can
/// resolve to that folder's `weights.bin` (and must be refused anywhere outside it).
let modelPath = FuzzFixtures.path("Fixtures/onnx/external/fuzzed.onnx")

/// A scratch copy of each input, loaded through the path the command uses for files: the graph read
/// with `pread` and the large `raw_data` payloads cut out (`PayloadCut`), weights borrowed from the
/// mapping or copied on first use.
let scratchPath: String = {
    let folder = NSTemporaryDirectory() + "strata-fuzz-onnx-\(getpid())"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder + "/fuzzed.onnx"
}()

/// An ONNX model as `strata inspect` and `strata run` take it in: protobuf import (`ONNXImporter`),
/// type and shape inference over every node, and the engine's compilation of every kernel with
/// constant folding (what `run` does before the first input); once from bytes in memory (the whole
/// message unpacked) and once from a file (its graph read around the payloads).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = Fuzz.one(data, size) { bytes in
        let model = try ONNXImporter.load(data: Data(bytes), path: modelPath)
        _ = model.graph.inferTypes()
        _ = try Engine(model: model, options: EngineOptions(threads: 1))
    }
    return Fuzz.one(data, size) { bytes in
        guard FileManager.default.createFile(atPath: scratchPath, contents: Data(bytes)) else {
            fatalError("cannot write the scratch copy \(scratchPath)")
        }
        let model = try ONNXImporter.load(path: scratchPath)
        _ = model.graph.inferTypes()
        _ = try Engine(model: model, options: EngineOptions(threads: 1))
    }
}
