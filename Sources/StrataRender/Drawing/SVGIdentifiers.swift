/// Renumbers the element ids cairo 1.16 takes from process-wide surface counters (`surface12`,
/// `image31`), in order of first appearance, so that an SVG does not depend on what the process
/// drew before. Other ids (glyphs, clips, patterns) are numbered per document by cairo already.
enum SVGIdentifiers {
    private static let prefixes: [[UInt8]] = [Array("surface".utf8), Array("image".utf8)]

    static func renumbered(_ svg: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(svg.count)
        var numbers: [[UInt8]: [[UInt8]: Int]] = [:]
        var i = 0
        while i < svg.count {
            let b = svg[i]
            out.append(b)
            i += 1
            // An id reference starts after `id="` or `#`.
            let opens = b == UInt8(ascii: "#") || (b == UInt8(ascii: "\"") && i >= 4 && svg[(i - 4)..<(i - 1)].elementsEqual("id=".utf8))
            guard opens else { continue }
            for prefix in prefixes where svg.count - i > prefix.count && svg[i..<(i + prefix.count)].elementsEqual(prefix) {
                var end = i + prefix.count
                while end < svg.count, svg[end] >= UInt8(ascii: "0"), svg[end] <= UInt8(ascii: "9") { end += 1 }
                guard end > i + prefix.count else { break }
                let old = Array(svg[(i + prefix.count)..<end])
                var table = numbers[prefix, default: [:]]
                let new = table[old] ?? (table.count + 1)
                table[old] = new
                numbers[prefix] = table
                out.append(contentsOf: prefix)
                out.append(contentsOf: String(new).utf8)
                i = end
                break
            }
        }
        return out
    }
}
