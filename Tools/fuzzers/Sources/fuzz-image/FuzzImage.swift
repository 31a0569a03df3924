import FuzzSupport
import StrataCore
import StrataImage

/// A PNG or JPEG file as `--image` and `--images` read it: `ImageDecoder.decode(bytes:name:)` (libpng and
/// libjpeg-turbo behind the C shim, with its size limits), then the conversions and a resize every
/// preprocessing plan starts with.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.one(data, size) { bytes in
        let decoded = try ImageDecoder.decode(bytes: [UInt8](bytes), name: "image")
        let rgb = decoded.image.rgb()
        _ = rgb.resized(width: 7, height: 5, filter: .bilinear)
        _ = decoded.image.grey().centerCropped(width: 3, height: 3)
    }
}
