import Foundation

extension ReportPage {
    /// The per-layer comparison with another model (`strata compare`'s table): each matched layer,
    /// its counterpart, how it was matched and how far apart they are. The script colours each
    /// row's diagram node by its status.
    public struct Comparison: Sendable {
        /// One matched layer.
        public struct Row: Sendable {
            public var layer: String
            /// The other model's layer or tensor.
            public var counterpart: String
            /// How it was matched (`MatchKind.rawValue`: map, name, value, near).
            public var match: String
            /// nil when the shapes differ.
            public var maxAbs: Double?
            public var cosine: Double?
            public var sqnr: Double?
            /// Outside the tolerance.
            public var diverges: Bool
            /// The diagram node drawing `layer`, if drawn.
            public var diagramNode: String?

            public init(layer: String, counterpart: String, match: String, maxAbs: Double?, cosine: Double?, sqnr: Double?,
                        diverges: Bool, diagramNode: String?) {
                self.layer = layer
                self.counterpart = counterpart
                self.match = match
                self.maxAbs = maxAbs
                self.cosine = cosine
                self.sqnr = sqnr
                self.diverges = diverges
                self.diagramNode = diagramNode
            }
        }

        /// The other model (as given on the command line).
        public var other: String
        /// One line: the tolerance and the verdict.
        public var summary: String
        public var rows: [Row]
        /// Layers with no counterpart, and why.
        public var unmatched: [(layer: String, reason: String)]

        public init(other: String, summary: String, rows: [Row], unmatched: [(layer: String, reason: String)] = []) {
            self.other = other
            self.summary = summary
            self.rows = rows
            self.unmatched = unmatched
        }

        /// The index of the first row that diverges.
        public var firstDivergent: Int? { rows.firstIndex { $0.diverges } }
    }

    /// The comparison section: its summary, a legend of the diagram's colours, and the table
    /// (`tr[data-status]`: ok, diverges, or first for the first divergent layer).
    func comparisonHTML(_ comparison: Comparison) -> String {
        var html = "<section id=\"comparison\" aria-label=\"Comparison\">\n<h2>Compared with \(escape(comparison.other))</h2>\n"
        html += "<p class=\"sub\">\(escape(comparison.summary))</p>\n"
        html += "<p class=\"legend\">In the diagram: <span class=\"swatch cmp-ok\">&#160;</span> within tolerance "
        html += "<span class=\"swatch cmp-diverges\">&#160;</span> diverges <span class=\"swatch cmp-first\">&#160;</span> first divergent layer</p>\n"
        html += "<details\(comparison.rows.count <= 40 ? " open" : "")><summary>\(comparison.rows.count) matched layer\(comparison.rows.count == 1 ? "" : "s")"
        html += comparison.unmatched.isEmpty ? "" : ", \(comparison.unmatched.count) unmatched"
        html += "</summary>\n<table class=\"compare\">\n<tr><th scope=\"col\">layer</th><th scope=\"col\">counterpart</th><th scope=\"col\">match</th>"
        html += "<th scope=\"col\">max abs diff</th><th scope=\"col\">cosine</th><th scope=\"col\">SQNR dB</th><th scope=\"col\">status</th></tr>\n"
        let first = comparison.firstDivergent
        for (i, row) in comparison.rows.enumerated() {
            let status = i == first ? "first" : row.diverges ? "diverges" : "ok"
            var attributes = "data-status=\"\(status)\" data-layer=\"\(escape(row.layer))\""
            if let node = row.diagramNode { attributes += " data-node=\"\(escape(node))\"" }
            let statusText = i == first ? "first divergence" : row.diverges ? (row.maxAbs == nil ? "diverges (shapes differ)" : "diverges") : "ok"
            html += "<tr \(attributes)><td>\(escape(row.layer))</td><td>\(escape(row.counterpart))</td><td>\(escape(row.match))</td>"
            html += "<td class=\"num\">\(Self.number(row.maxAbs, "%.3g"))</td><td class=\"num\">\(Self.number(row.cosine, "%.6f"))</td>"
            html += "<td class=\"num\">\(Self.number(row.sqnr, "%.1f"))</td><td>\(statusText)</td></tr>\n"
        }
        html += "</table>\n"
        for entry in comparison.unmatched { html += "<p class=\"note\">unmatched: \(escape(entry.layer)) (\(escape(entry.reason)))</p>\n" }
        return html + "</details>\n</section>\n"
    }

    static func number(_ value: Double?, _ format: String) -> String {
        guard let value else { return "–" }
        return value.isFinite ? String(format: format, value) : "\(value)"
    }
}
