/// The pictures of a kernel: one tile per output channel (one tile in all for a dense kernel), each
/// `height × width` pixels of `channels` values (1, or 3 for RGB), row-major and interleaved.
public struct KernelTiles: Sendable, Equatable {
    public let height: Int
    public let width: Int
    /// 1 (signed values for a diverging map) or 3 (RGB).
    public let channels: Int
    public let tiles: [[Float]]
    /// The largest |value| over all tiles (NaN ignored): draw in the symmetric range `−limit ... limit`.
    public let limit: Float

    public init(height: Int, width: Int, channels: Int, tiles: [[Float]]) {
        precondition(tiles.allSatisfy { $0.count == height * width * channels }, "KernelTiles: a tile does not fill height × width × channels")
        self.height = height
        self.width = width
        self.channels = channels
        self.tiles = tiles
        limit = tiles.reduce(0) { m, tile in tile.reduce(m) { abs($1) > $0 ? abs($1) : $0 } }
    }
}
