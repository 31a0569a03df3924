/// An image file decoded to 8-bit grey or RGB, and what the file was.
public struct DecodedImage: Sendable, Equatable {
    /// The container format, told from the file's signature.
    public enum Format: String, Sendable {
        case png = "PNG"
        case jpeg = "JPEG"
    }

    /// How the file stores colour, before conversion to grey or RGB.
    public enum Colour: String, Sendable {
        case grey
        case greyAlpha = "grey+alpha"
        case rgb = "RGB"
        case rgba = "RGBA"
        case palette
        case cmyk = "CMYK"
    }

    /// The pixels: 1 channel for grey sources (with or without alpha), 3 for the rest.
    public var image: RasterImage
    public var format: Format
    public var colour: Colour
    /// Bits per sample in the file.
    public var bitDepth: Int
    /// PNG: a tRNS chunk (ignored). JPEG: never.
    public var hasTransparency: Bool
    /// PNG Adam7 interlacing, or a progressive JPEG.
    public var interlaced: Bool
    /// JPEG: the four components are YCCK rather than CMYK.
    public var ycck: Bool
    /// Warnings of the decoding library that did not stop it (a damaged ancillary PNG chunk,
    /// extraneous bytes between JPEG markers).
    public var warnings: [String]

    public init(image: RasterImage, format: Format, colour: Colour, bitDepth: Int, hasTransparency: Bool = false,
                interlaced: Bool = false, ycck: Bool = false, warnings: [String] = []) {
        self.image = image
        self.format = format
        self.colour = colour
        self.bitDepth = bitDepth
        self.hasTransparency = hasTransparency
        self.interlaced = interlaced
        self.ycck = ycck
        self.warnings = warnings
    }

    /// What was done to the file's samples to get `image` that loses information, for a notice;
    /// empty for 8-bit grey, RGB and palette files and for grey of fewer bits (expanded exactly).
    /// E.g. `["dropped the alpha channel", "reduced 16-bit samples to 8 bits (high byte)"]`.
    public var conversions: [String] {
        var done: [String] = []
        switch colour {
        case .greyAlpha, .rgba: done.append("dropped the alpha channel")
        case .cmyk: done.append(ycck ? "converted YCCK to RGB" : "converted CMYK to RGB")
        case .grey, .rgb, .palette: break
        }
        if bitDepth == 16 {
            done.append(colour == .grey
                ? "reduced 16-bit grey to 8 bits by its high byte (Pillow's convert clips it at 255 instead)"
                : "reduced 16-bit samples to 8 bits (high byte)")
        }
        return done
    }

    /// `"PNG, 16-bit RGBA, 640x480"`, `"JPEG, CMYK, progressive, 4000x3000"`.
    public var summary: String {
        var parts = [format.rawValue]
        if format == .png {
            parts.append("\(bitDepth)-bit \(colour.rawValue)")
        } else {
            parts.append(ycck ? "YCCK" : colour.rawValue)
        }
        if interlaced { parts.append(format == .png ? "interlaced" : "progressive") }
        parts.append(image.sizeDescription)
        return parts.joined(separator: ", ")
    }
}
