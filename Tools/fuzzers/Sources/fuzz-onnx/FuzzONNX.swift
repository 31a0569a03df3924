import Foundation
import FuzzSupport
import StrataCore
import StrataEngine
import StrataONNX

/// The named place of the fuzzed model: in Fixtures/onnx/external, so that external data it names can
/// resolve to that folder's `weights.bin` (and must be refused anywhere outside it).
let modelPath = FuzzFixtures.path("Fixtures/onnx/external/fuzzed.onnx")

/// An ONNX model as `strata inspect` and `strata run` take it in: protobuf import (`ONNXImporter`),
/// type and shape inference over every node, and the engine's compilation of every kernel with
/// constant folding (what `run` does before the first input).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.one(data, size) { bytes in
        let model = try ONNXImporter.load(data: Data(bytes), path: modelPath)
        _ = model.graph.inferTypes()
        _ = try Engine(model: model, options: EngineOptions(threads: 1))
    }
}
