import StrataCore

/// An image for TensorBoard's image dashboard: a PNG file's bytes and what they hold, as a
/// `Summary.Image` records them.
public struct TensorBoardImage: Sendable, Equatable {
    /// The PNG file.
    public let png: [UInt8]
    public let width: Int
    public let height: Int
    /// 1 grey, 2 grey and alpha, 3 RGB, 4 RGBA (TensorBoard's `colorspace`).
    public let channels: Int

    /// The first bytes of every PNG file.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Throws `invalidInput` unless `png` starts with the PNG signature, the sizes are 1 to 2³¹ − 1
    /// and `channels` is 1 to 4. The pixels are not decoded: the caller vouches that the sizes are the file's.
    public init(png: [UInt8], width: Int, height: Int, channels: Int) throws {
        guard png.starts(with: Self.signature) else {
            throw StrataError(.invalidInput, "a TensorBoard image must be a PNG file (its bytes do not start with the PNG signature)")
        }
        guard (1 ... Int(Int32.max)).contains(width), (1 ... Int(Int32.max)).contains(height) else {
            throw StrataError(.invalidInput, "a TensorBoard image must be 1 to \(Int32.max) pixels a side, found \(width)×\(height)")
        }
        guard (1 ... 4).contains(channels) else {
            throw StrataError(.invalidInput, "a TensorBoard image has 1 to 4 channels, found \(channels)")
        }
        self.png = png
        self.width = width
        self.height = height
        self.channels = channels
    }
}
