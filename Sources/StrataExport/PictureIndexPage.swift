/// `index.html` of a picture folder: a plain page (no script, no external resource) that shows every
/// picture a command wrote, grouped in sections, each with a caption. Paths are relative to the
/// folder, so the folder can be moved or zipped as a whole.
public struct PictureIndexPage: Sendable {
    public struct Picture: Sendable, Hashable {
        /// Relative path inside the folder.
        public var file: String
        public var caption: String

        public init(file: String, caption: String) {
            self.file = file
            self.caption = caption
        }
    }

    public struct Section: Sendable, Hashable {
        public var heading: String
        public var pictures: [Picture]
        /// Other files of the section (such as `.npy` arrays), linked by name.
        public var links: [Picture]

        public init(heading: String, pictures: [Picture] = [], links: [Picture] = []) {
            self.heading = heading
            self.pictures = pictures
            self.links = links
        }
    }

    public static let fileName = "index.html"

    public var title: String
    /// Lines under the title (model, inputs).
    public var subtitle: [String]
    public var sections: [Section]

    public init(title: String, subtitle: [String] = [], sections: [Section] = []) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }

    /// The page as HTML. Every name from a model or a file is escaped, and every path is
    /// percent-encoded, so a hostile layer name can neither inject markup nor break a link.
    public func rendered() -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(Self.escape(title))</title>
            <style>
            body { font-family: "DejaVu Sans", sans-serif; margin: 1.5em; color: #222; }
            h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; border-bottom: 1px solid #ccc; }
            .sub { color: #555; margin: 0.2em 0; }
            figure { display: inline-block; vertical-align: top; margin: 0.5em; }
            figure img { max-width: 720px; border: 1px solid #ddd; }
            figcaption { font-size: 0.85em; color: #444; max-width: 720px; }
            ul.links { font-size: 0.85em; }
            </style>
            </head>
            <body>
            <h1>\(Self.escape(title))</h1>

            """
        for line in subtitle {
            html += "<p class=\"sub\">\(Self.escape(line))</p>\n"
        }
        for section in sections {
            html += "<section>\n<h2>\(Self.escape(section.heading))</h2>\n"
            for picture in section.pictures {
                let src = Self.encodePath(picture.file)
                html += "<figure><a href=\"\(src)\"><img src=\"\(src)\" alt=\"\(Self.escape(picture.caption))\" loading=\"lazy\"></a>"
                html += "<figcaption>\(Self.escape(picture.caption))</figcaption></figure>\n"
            }
            if !section.links.isEmpty {
                html += "<ul class=\"links\">\n"
                for link in section.links {
                    html += "<li><a href=\"\(Self.encodePath(link.file))\">\(Self.escape(link.caption))</a></li>\n"
                }
                html += "</ul>\n"
            }
            html += "</section>\n"
        }
        html += "</body>\n</html>\n"
        return html
    }

    /// Text with `&`, `<`, `>`, `"` and `'` escaped, safe in element content and quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A relative path with every byte outside `[A-Za-z0-9._~/-]` percent-encoded.
    static func encodePath(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: "-"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
