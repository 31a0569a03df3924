/// Escaping of arbitrary text for the two places Strata puts names in DOT: HTML-like labels and
/// identifiers. Every Unicode string gives valid DOT.
enum DOTText {
    /// `text` as the content of an HTML-like label: markup characters as entities, a newline as a
    /// line break, other control characters (and the XML non-characters U+FFFE/U+FFFF) as
    /// visible `\u{..}` text, since Graphviz's XML parser rejects them.
    static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n": out += "<BR/>"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F || (v >= 0x80 && v < 0xA0) || v == 0xFFFE || v == 0xFFFF {
                    out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A bare DOT identifier made from `text`: ASCII letters, digits and `_` kept, anything else
    /// becomes `_`. Not unique on its own; callers add a suffix where names may collide.
    static func identifier(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let keep = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
            out.unicodeScalars.append(keep ? scalar : "_")
        }
        return out
    }
}
