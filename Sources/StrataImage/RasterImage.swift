/// An 8-bit image in memory: `height` rows of `width` pixels of `channels` samples each
/// (1 = grey, 3 = RGB), stored row-major as HWC in `pixels`.
public struct RasterImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 (grey) or 3 (RGB, in that order).
    public let channels: Int
    /// `height × width × channels` samples, row-major, channels interleaved.
    public let pixels: [UInt8]

    /// An image over `pixels`; the caller guarantees the sizes agree (a programmer invariant).
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image sides must be positive")
        precondition(channels == 1 || channels == 3, "images have 1 or 3 channels")
        precondition(pixels.count == width * height * channels, "pixel count does not match the image size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image whose samples are written by `fill` into a zeroed buffer of the right size.
    init(width: Int, height: Int, channels: Int, fill: (UnsafeMutableBufferPointer<UInt8>) -> Void) {
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * channels) { buffer, count in
            buffer.initialize(repeating: 0)
            fill(buffer)
            count = buffer.count
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The sample at row `y`, column `x`, channel `c`.
    public subscript(y: Int, x: Int, c: Int) -> UInt8 {
        pixels[(y * width + x) * channels + c]
    }

    /// `"640x480"`: width by height, as image tools print sizes.
    public var sizeDescription: String { "\(width)x\(height)" }
}
