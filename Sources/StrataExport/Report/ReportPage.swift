import Foundation

/// `strata report`'s page: one self-contained HTML file joining the architecture diagram (inline SVG)
/// with a panel per layer (its pictures as PNG data URIs, its statistics, what looks wrong) and the
/// model's prediction. Script and style are inline; the page loads nothing from anywhere.
///
/// Clicking a layer in the diagram shows its panel; the search box finds layers by name; the arrow
/// keys (or `j`/`k`) move between layers in graph order; with several sampled inputs a picker chooses
/// whose pictures are shown. Flagged layers (`ReportLayer.Flag`) are outlined in the diagram.
public struct ReportPage: Sendable {
    /// The top-k classes for one input.
    public struct Prediction: Sendable {
        public var sample: Int
        public var classes: [(label: String, probability: Double)]

        public init(sample: Int, classes: [(label: String, probability: Double)]) {
            self.sample = sample
            self.classes = classes
        }
    }

    public var title: String
    public var subtitle: [String]
    /// Graphviz's SVG of the diagram; its node groups' `<title>` elements hold the DOT node ids.
    public var diagramSVG: String
    /// Names of the inputs whose pictures are shown, in order (one for a single input).
    public var samples: [String]
    public var predictions: [Prediction]
    public var layers: [ReportLayer]
    public var notes: [String]
    /// The class activation maps shown with the prediction; nil for none (and no word about them).
    public var classActivation: ClassActivation?
    /// The comparison with another model (`--compare`), if asked for.
    public var comparison: Comparison?

    public init(title: String, subtitle: [String] = [], diagramSVG: String, samples: [String] = [],
                predictions: [Prediction] = [], layers: [ReportLayer] = [], notes: [String] = [],
                classActivation: ClassActivation? = nil, comparison: Comparison? = nil) {
        self.classActivation = classActivation
        self.comparison = comparison
        self.title = title
        self.subtitle = subtitle
        self.diagramSVG = diagramSVG
        self.samples = samples
        self.predictions = predictions
        self.layers = layers
        self.notes = notes
    }

    /// The page as HTML. Every name from a model or a file is escaped.
    public func rendered() -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <header>
            <h1>\(escape(title))</h1>

            """
        for line in subtitle { html += "<p class=\"sub\">\(escape(line))</p>\n" }
        for note in notes { html += "<p class=\"note\">\(escape(note))</p>\n" }
        if samples.count > 1 {
            html += "<label class=\"picker\">Input shown: <select id=\"sample\">"
            for (i, name) in samples.enumerated() { html += "<option value=\"\(i)\">\(escape(name))</option>" }
            html += "</select></label>\n"
        }
        html += "</header>\n<main>\n<nav id=\"graph\" aria-label=\"Architecture\">\n"
        html += "<input id=\"search\" type=\"search\" placeholder=\"Find a layer\" aria-label=\"Find a layer by name\" autocomplete=\"off\">\n"
        html += "<ul id=\"matches\"></ul>\n<div id=\"diagram\">\n\(Self.inlineSVG(diagramSVG))\n</div>\n</nav>\n<div id=\"panels\">\n"
        if !predictions.isEmpty || classActivation != nil {
            html += "<section id=\"prediction\" aria-label=\"Prediction\">\n<h2>Prediction</h2>\n"
            for prediction in predictions {
                html += "<table class=\"top\" data-sample=\"\(prediction.sample)\"><caption>\(escape(samples.indices.contains(prediction.sample) ? samples[prediction.sample] : "input"))</caption>\n"
                html += "<tr><th scope=\"col\">class</th><th scope=\"col\">probability</th></tr>\n"
                for entry in prediction.classes {
                    let percent = String(format: "%.2f %%", entry.probability * 100)
                    html += "<tr><td>\(escape(entry.label))</td><td class=\"num\">\(percent)</td></tr>\n"
                }
                html += "</table>\n"
            }
            if let classActivation { html += camHTML(classActivation) }
            html += "</section>\n"
        }
        if let comparison { html += comparisonHTML(comparison) }
        for (i, layer) in layers.enumerated() {
            html += panel(layer, index: i)
        }
        html += "</div>\n</main>\n<script>\(Self.script)</script>\n</body>\n</html>\n"
        return html
    }

    private func panel(_ layer: ReportLayer, index: Int) -> String {
        var attributes = "class=\"panel\" id=\"L\(index)\" data-name=\"\(escape(layer.name))\""
        if let node = layer.diagramNode { attributes += " data-node=\"\(escape(node))\"" }
        if !layer.flags.isEmpty { attributes += " data-flags=\"\(layer.flags.map(\.rawValue).joined(separator: " "))\"" }
        var html = "<section \(attributes) hidden>\n<h2>\(escape(layer.name)) <span class=\"kind\">\(escape(layer.kind))</span></h2>\n"
        html += "<dl>\n<dt>output</dt><dd>\(escape(layer.shape))</dd>\n"
        if let parameters = layer.parameters { html += "<dt>parameters</dt><dd>\(parameters)</dd>\n" }
        for (label, value) in layer.statistics { html += "<dt>\(escape(label))</dt><dd>\(escape(value))</dd>\n" }
        html += "</dl>\n"
        for flag in layer.flags {
            let text: String
            switch flag {
            case .nonFinite: text = "NaN or ±Inf values"
            case .dead: text = "more than half of the units are dead (never positive)"
            case .saturated: text = "saturated units"
            }
            html += "<p class=\"flag flag-\(flag.rawValue)\">⚠ \(escape(text))</p>\n"
        }
        for note in layer.notes { html += "<p class=\"note\">\(escape(note))</p>\n" }
        for picture in layer.pictures {
            let sample = picture.sample.map { " data-sample=\"\($0)\"" } ?? ""
            html += "<figure\(sample)><img src=\"data:image/png;base64,\(Data(picture.png).base64EncodedString())\" alt=\"\(escape(picture.caption))\">"
            html += "<figcaption>\(escape(picture.caption))</figcaption></figure>\n"
        }
        return html + "</section>\n"
    }

    func escape(_ text: String) -> String { PictureIndexPage.escape(text) }

    /// The `<svg>` element of a Graphviz SVG file: its XML declaration, doctype and comments dropped
    /// (comments carry the DOT file's names and are not needed).
    static func inlineSVG(_ svg: String) -> String {
        guard let start = svg.range(of: "<svg") else { return "" }
        // One pass over the text: removing comments in place is quadratic on a 400-layer diagram.
        var body = ""
        var rest = svg[start.lowerBound...]
        while let open = rest.firstRange(of: "<!--"), let close = rest[open.upperBound...].firstRange(of: "-->") {
            body += rest[..<open.lowerBound]
            rest = rest[close.upperBound...]
        }
        body += rest
        // Inline SVG in HTML needs no namespace declarations; without them the page names no URL at all.
        if let end = body.firstIndex(of: ">") {
            var tag = String(body[..<end])
            for attribute in [" xmlns=\"http://www.w3.org/2000/svg\"", " xmlns:xlink=\"http://www.w3.org/1999/xlink\""] {
                tag = tag.replacingOccurrences(of: attribute, with: "")
            }
            // Graphviz sizes the picture in points; HTML's width and height attributes take pixels.
            for name in ["width", "height"] {
                guard let start = tag.range(of: " \(name)=\""), let close = tag.range(of: "pt\"", range: start.upperBound ..< tag.endIndex),
                      let points = Double(tag[start.upperBound ..< close.lowerBound]) else { continue }
                tag.replaceSubrange(start.lowerBound ..< close.upperBound, with: " \(name)=\"\(Int((points * 4 / 3).rounded()))\"")
            }
            body = tag + body[end...]
        }
        return body.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let style = """
        [hidden]{display:none !important}
        body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:0;color:#222;background:#fafafa}
        header{padding:8px 16px;background:#fff;border-bottom:1px solid #ddd}
        h1{font-size:1.3em;margin:4px 0}.sub{margin:2px 0;color:#555;font-size:.9em}
        .note{color:#8a5a00;font-size:.9em}.picker{font-size:.9em}
        main{display:flex;gap:12px;padding:12px;align-items:flex-start}
        #graph{flex:0 0 38%;max-width:38%;position:sticky;top:0;max-height:calc(100vh - 24px);overflow:auto;background:#fff;border:1px solid #ddd;padding:6px}
        #graph svg{max-width:100%;height:auto}
        #search{width:100%;box-sizing:border-box;padding:4px;font-size:1em}
        #matches{list-style:none;margin:2px 0;padding:0;max-height:30vh;overflow:auto}
        #matches button{border:0;background:none;color:#1a56a0;cursor:pointer;padding:1px 2px;text-align:left}
        #panels{flex:1;min-width:0}
        section{background:#fff;border:1px solid #ddd;padding:8px 12px;margin-bottom:12px}
        h2{font-size:1.1em;margin:4px 0 8px}.kind{color:#666;font-weight:normal}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:.9em;margin:0 0 8px}
        dt{color:#555}dd{margin:0}
        figure{display:inline-block;margin:4px;vertical-align:top}figure img{max-width:100%}
        figcaption{font-size:.8em;color:#555}
        .flag{color:#b00020;font-weight:bold}
        table.top{border-collapse:collapse;margin:4px 12px 8px 0;display:inline-table}
        table.top td,table.top th{border-bottom:1px solid #eee;padding:2px 8px;font-size:.9em}
        .num{text-align:right}caption{text-align:left;font-size:.85em;color:#555}
        g.node.has-panel{cursor:pointer}
        g.node.selected polygon,g.node.selected path{stroke:#1a56a0;stroke-width:3}
        g.node.flag-nonfinite polygon,g.node.flag-nonfinite path{stroke:#b00020;stroke-width:3}
        g.node.flag-dead polygon,g.node.flag-dead path{stroke:#e07000;stroke-width:3;stroke-dasharray:4 2}
        g.node.flag-saturated polygon,g.node.flag-saturated path{stroke:#7a3fb0;stroke-width:3;stroke-dasharray:2 2}
        figure.cam-overlay img{width:224px;max-width:100%;height:auto;image-rendering:pixelated}
        #cam-methods{border:1px solid #ddd;font-size:.9em;margin:4px 0}#cam-methods label{margin-right:10px;white-space:nowrap}
        g.node.cmp-ok polygon,g.node.cmp-ok path{fill:#cdebc5}
        g.node.cmp-diverges polygon,g.node.cmp-diverges path{fill:#f6b3a8}
        g.node.cmp-first polygon,g.node.cmp-first path{fill:#d7301f}
        .swatch{display:inline-block;width:1em;height:.8em;border:1px solid #888;vertical-align:middle}
        .swatch.cmp-ok{background:#cdebc5}.swatch.cmp-diverges{background:#f6b3a8}.swatch.cmp-first{background:#d7301f}
        .legend{font-size:.85em}table.compare{border-collapse:collapse;font-size:.85em}
        table.compare td,table.compare th{border-bottom:1px solid #eee;padding:2px 6px;text-align:left}
        tr[data-status=diverges] td{background:#fbe3df}tr[data-status=first] td{background:#f6b3a8;font-weight:bold}
        tr[data-node]{cursor:pointer}
        """

    static let script = """
        (function(){
        var panels=Array.prototype.slice.call(document.querySelectorAll('section.panel'));
        var byNode={},nodeOf={},current=null;
        panels.forEach(function(p){if(p.dataset.node)byNode[p.dataset.node]=p;});
        document.querySelectorAll('#diagram g.node').forEach(function(g){
        var t=g.querySelector('title');if(!t)return;var id=t.textContent;nodeOf[id]=g;var p=byNode[id];if(!p)return;
        g.classList.add('has-panel');g.setAttribute('tabindex','0');g.setAttribute('role','button');
        g.setAttribute('aria-label','Show layer '+p.dataset.name);
        (p.dataset.flags||'').split(' ').forEach(function(f){if(f)g.classList.add('flag-'+f);});
        g.addEventListener('click',function(){show(p);});
        g.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();show(p);}});});
        function show(p){if(!p)return;panels.forEach(function(q){q.hidden=(q!==p);});current=p;
        document.querySelectorAll('#diagram g.node.selected').forEach(function(g){g.classList.remove('selected');});
        var g=p.dataset.node&&nodeOf[p.dataset.node];if(g){g.classList.add('selected');
        if(g.scrollIntoView)g.scrollIntoView({block:'nearest',inline:'nearest'});}
        if(history.replaceState)history.replaceState(null,'','#'+p.id);}
        var sample=document.getElementById('sample');
        function pick(){var k=sample?sample.value:'0';
        document.querySelectorAll('[data-sample]').forEach(function(e){e.hidden=(e.dataset.sample!==k);});}
        if(sample)sample.addEventListener('change',pick);pick();
        var radios=Array.prototype.slice.call(document.querySelectorAll('input[name="cam-method"]'));
        function method(){var m=null;radios.forEach(function(r){if(r.checked)m=r.value;});
        document.querySelectorAll('figure.cam-overlay').forEach(function(f){f.hidden=(f.dataset.method!==m);});}
        radios.forEach(function(r){r.addEventListener('change',method);});method();
        document.querySelectorAll('table.compare tr[data-node]').forEach(function(tr){var g=nodeOf[tr.dataset.node];
        if(g)g.classList.add('cmp-'+tr.dataset.status);var p=byNode[tr.dataset.node];
        if(p)tr.addEventListener('click',function(){show(p);});});
        var search=document.getElementById('search'),matches=document.getElementById('matches');
        function find(){var q=search.value.trim().toLowerCase();matches.textContent='';if(!q)return [];
        var found=panels.filter(function(p){return p.dataset.name.toLowerCase().indexOf(q)>=0;});
        found.slice(0,50).forEach(function(p){var li=document.createElement('li'),b=document.createElement('button');
        b.type='button';b.textContent=p.dataset.name;b.addEventListener('click',function(){show(p);});li.appendChild(b);matches.appendChild(li);});
        return found;}
        search.addEventListener('input',find);
        search.addEventListener('keydown',function(e){if(e.key==='Enter'){var f=find();if(f.length)show(f[0]);}});
        document.addEventListener('keydown',function(e){var t=e.target&&e.target.tagName;
        if(t==='INPUT'||t==='SELECT'||t==='TEXTAREA')return;var i=panels.indexOf(current);
        if(e.key==='ArrowDown'||e.key==='j'){e.preventDefault();show(panels[Math.min(panels.length-1,i+1)]);}
        else if(e.key==='ArrowUp'||e.key==='k'){e.preventDefault();show(panels[Math.max(0,i-1)]);}});
        var start=location.hash?document.getElementById(location.hash.slice(1)):null;
        show(start&&start.classList.contains('panel')?start:panels[0]);
        })();
        """
}
