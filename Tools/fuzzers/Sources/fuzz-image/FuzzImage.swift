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
        // The resize's cost grows with the source's area, and under coverage instrumentation it is most
        // of a run; a large image is resized from a region of at most 32 × 32 pixels of it (its shape
        // and size are what the decoder is fuzzed for, not the convolution's arithmetic).
        let region = RasterImage.Region(left: 0, top: 0, right: Float(min(rgb.width, 32)), bottom: Float(min(rgb.height, 32)))
        _ = rgb.resized(width: 7, height: 5, filter: .bilinear, region: region)
        _ = decoded.image.grey().centerCropped(width: 3, height: 3)
    }
}
