import StrataCore

/// Thumbnails in one PNG image, row after row in a square grid, as TensorBoard's embedding
/// projector reads a sprite: `ceil(√N)` cells a side, each `cellWidth × cellHeight` pixels, the first
/// image at the top left and the rest left to right, top to bottom; unused cells are white.
/// Images smaller than a cell sit in its top-left corner; larger ones are refused.
public struct SpriteSheet: Sendable {
    public var images: [RasterImage]
    public var cellWidth: Int
    public var cellHeight: Int

    public init(images: [RasterImage], cellWidth: Int, cellHeight: Int) {
        self.images = images
        self.cellWidth = cellWidth
        self.cellHeight = cellHeight
    }

    /// Cells per row (and rows): `ceil(√N)`.
    public var cellsPerSide: Int {
        var side = Int(Double(images.count).squareRoot())
        while side * side < images.count { side += 1 }
        return max(1, side)
    }

    /// The sprite as PNG bytes. Throws `invalidInput` when there are no images, an image does not
    /// fit its cell, or the sprite would exceed `RenderLimits` (16,384 px a side, 64 M pixels).
    public func png() throws -> [UInt8] {
        do {
            guard !images.isEmpty else { throw StrataError(.invalidInput, "no images for a sprite") }
            guard cellWidth >= 1, cellHeight >= 1 else { throw StrataError(.invalidInput, "sprite cells of \(cellWidth)×\(cellHeight)") }
            if let i = images.firstIndex(where: { $0.width > cellWidth || $0.height > cellHeight }) {
                throw StrataError(.invalidInput, "image \(i) is \(images[i].width)×\(images[i].height), larger than the \(cellWidth)×\(cellHeight) cells")
            }
            let side = cellsPerSide
            let (width, o1) = side.multipliedReportingOverflow(by: cellWidth)
            let (height, o2) = side.multipliedReportingOverflow(by: cellHeight)
            guard !o1, !o2 else { throw StrataError(.invalidInput, "a sprite of \(images.count) cells is too large") }
            try RenderLimits.checkRaster(width: width, height: height, what: "sprite")
            let canvas = try Canvas(width: width, height: height, format: .png)
            for (i, image) in images.enumerated() where image.width > 0 && image.height > 0 {
                canvas.paint(try Raster.image(image), x: (i % side) * cellWidth, y: (i / side) * cellHeight)
            }
            return try canvas.finish()
        } catch let error as StrataError {
            throw error.located(ErrorLocation(detail: "sprite"))
        }
    }
}
