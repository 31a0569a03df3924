import StrataCore

/// The largest pictures and rasters StrataRender makes; layouts shrink their content to stay
/// inside them and refuse what cannot.
enum RenderLimits {
    /// Longest side of a canvas or raster, in pixels (points for SVG/PDF).
    static let maxSide = 16384
    /// Most pixels of a canvas or raster (64 Mi; 256 MiB as cairo's 32-bit pixels).
    static let maxPixels = 64 * 1024 * 1024
    /// Most tiles in one feature grid.
    static let maxTiles = 16384

    /// Throws `invalidInput` unless `width × height` is a non-empty size within the limits.
    static func checkRaster(width: Int, height: Int, what: String) throws {
        guard width >= 1, height >= 1 else {
            throw StrataError(.invalidInput, "\(what) size \(width)×\(height) is empty")
        }
        guard width <= maxSide, height <= maxSide, width * height <= maxPixels else {
            throw StrataError(.invalidInput, "\(what) size \(width)×\(height) exceeds the limit of \(maxSide) px a side and \(maxPixels / (1024 * 1024)) M pixels")
        }
    }
}
