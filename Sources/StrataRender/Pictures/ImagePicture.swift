import StrataCore

/// An image drawn as itself, pixel for pixel, with no title, axes or colour bar: a PNG of exactly
/// its pixels, or an SVG/PDF page of its size holding it.
public struct ImagePicture: Picture {
    public var image: RasterImage

    public init(image: RasterImage) {
        self.image = image
    }

    public func render(format: PictureFormat) throws -> [UInt8] {
        guard image.width > 0, image.height > 0 else {
            throw StrataError(.invalidInput, "image is \(image.width)×\(image.height), nothing to draw")
        }
        let canvas = try Canvas(width: image.width, height: image.height, format: format)
        canvas.paint(try Raster.image(image), x: 0, y: 0)
        return try canvas.finish()
    }
}
