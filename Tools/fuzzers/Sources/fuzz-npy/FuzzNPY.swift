import FuzzSupport
import StrataCore
import StrataExport

/// `.npy` header and data: `NPYFile.decode`, what `strata run --input` reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.one(data, size) { bytes in
        _ = try NPYFile.decode(bytes, file: "input.npy")
    }
}
