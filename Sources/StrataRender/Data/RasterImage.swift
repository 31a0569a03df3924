import StrataCore

/// An 8-bit image, row-major with interleaved channels: grey (1 channel) or RGB (3 channels),
/// `pixels[(row * width + column) * channels + channel]`. The base of an overlay, and what
/// `OverlayPicture.blended()` returns.
public struct RasterImage: Sendable, Hashable {
    public let width: Int
    public let height: Int
    /// 1 (grey) or 3 (RGB).
    public let channels: Int
    public let pixels: [UInt8]

    /// Throws `invalidInput` for a channel count other than 1 or 3, a negative size, or a pixel
    /// count that does not match.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard channels == 1 || channels == 3 else {
            throw StrataError(.invalidInput, "an image has 1 (grey) or 3 (RGB) channels, got \(channels)")
        }
        guard width >= 0, height >= 0 else {
            throw StrataError(.invalidInput, "image size \(width)×\(height) is negative")
        }
        let (plane, o1) = width.multipliedReportingOverflow(by: height)
        let (count, o2) = plane.multipliedReportingOverflow(by: channels)
        guard !o1, !o2, count == pixels.count else {
            throw StrataError(.invalidInput, "a \(width)×\(height)×\(channels) image needs \(o1 || o2 ? "more than Int.max" : String(count)) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image whose size is known to match `pixels` (computed by StrataRender itself).
    init(checkedWidth width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition((channels == 1 || channels == 3) && width * height * channels == pixels.count, "image size matches its pixels")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The colour at `row`, `column` (grey repeated into R, G, B).
    public func rgb(row: Int, column: Int) -> RGB {
        let i = (row * width + column) * channels
        return channels == 1 ? RGB(pixels[i], pixels[i], pixels[i]) : RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }
}
