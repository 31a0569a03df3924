import Foundation

extension ReportPage {
    /// The class activation maps shown with the prediction: one layer, the methods computed, and an
    /// overlay per method and shown input; or, when there are none, the notes saying why.
    public struct ClassActivation: Sendable {
        /// One method's heat map blended over one input.
        public struct Overlay: Sendable {
            /// Which input (an index into `ReportPage.samples`).
            public var sample: Int
            /// The method's name (`CAMMethod.rawValue`), as listed in `methods`.
            public var method: String
            public var png: [UInt8]
            /// The alt text and caption.
            public var caption: String

            public init(sample: Int, method: String, png: [UInt8], caption: String) {
                self.sample = sample
                self.method = method
                self.png = png
                self.caption = caption
            }
        }

        /// One line saying which layer the maps are of and why it was chosen; empty when there are none.
        public var description: String
        /// The methods computed, in the order the selector lists them (the first is shown first).
        public var methods: [String]
        public var overlays: [Overlay]
        /// Why something is missing (no spatial layer, no gradient, inputs left out for size).
        public var notes: [String]

        public init(description: String, methods: [String] = [], overlays: [Overlay] = [], notes: [String] = []) {
            self.description = description
            self.methods = methods
            self.overlays = overlays
            self.notes = notes
        }
    }

    /// The class activation block of the prediction section: the method selector (radio buttons),
    /// a `div.cam-set` per input holding a `figure.cam-overlay` per method.
    func camHTML(_ cam: ClassActivation) -> String {
        var html = "<div id=\"cam\">\n<h3>Class activation map</h3>\n"
        if !cam.description.isEmpty { html += "<p class=\"sub\">\(escape(cam.description))</p>\n" }
        for note in cam.notes { html += "<p class=\"note\">\(escape(note))</p>\n" }
        if !cam.overlays.isEmpty {
            html += "<fieldset id=\"cam-methods\"><legend>Method</legend>"
            for (i, method) in cam.methods.enumerated() {
                html += "<label><input type=\"radio\" name=\"cam-method\" value=\"\(escape(method))\"\(i == 0 ? " checked" : "")> \(escape(method))</label> "
            }
            html += "</fieldset>\n"
            var bySample: [Int: [ClassActivation.Overlay]] = [:]
            for overlay in cam.overlays { bySample[overlay.sample, default: []].append(overlay) }
            for sample in bySample.keys.sorted() {
                html += "<div class=\"cam-set\" data-sample=\"\(sample)\">\n"
                for overlay in bySample[sample] ?? [] {
                    html += "<figure class=\"cam-overlay\" data-method=\"\(escape(overlay.method))\">"
                    html += "<img src=\"data:image/png;base64,\(Data(overlay.png).base64EncodedString())\" alt=\"\(escape(overlay.caption))\">"
                    html += "<figcaption>\(escape(overlay.caption))</figcaption></figure>\n"
                }
                html += "</div>\n"
            }
        }
        return html + "</div>\n"
    }
}
