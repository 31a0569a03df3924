/// The file formats a picture renders to.
public enum PictureFormat: String, Sendable, Hashable, CaseIterable {
    /// 8-bit RGB PNG, one pixel per layout unit.
    case png
    /// SVG 1.1; layout units are points (`width="…pt"`), maps are embedded PNG images.
    case svg
    /// PDF 1.5, one page; layout units are points.
    case pdf

    /// The format a file name extension asks for (`png`, `svg`, `pdf`, any case, with or without
    /// the dot), or nil.
    public init?(pathExtension: String) {
        let bare = pathExtension.hasPrefix(".") ? String(pathExtension.dropFirst()) : pathExtension
        self.init(rawValue: bare.lowercased())
    }

    /// The usual file name extension, without the dot.
    public var pathExtension: String { rawValue }
}
