/// A figure description that draws itself: white background, a title, the data and, wherever
/// colour encodes value, a colour bar with ticks.
public protocol Picture: Sendable {
    /// The file's bytes in `format`. The same picture gives the same bytes every time, in every
    /// format. Throws `StrataError` (`invalidInput`) for data that cannot be drawn, with the reason.
    func render(format: PictureFormat) throws -> [UInt8]
}
