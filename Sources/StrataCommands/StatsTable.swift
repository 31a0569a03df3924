import Foundation
import StrataAnalysis

/// The table `strata stats` prints: one row per layer output, most suspicious first.
enum StatsTable {
    static func print(_ document: StatisticsDocument, on console: Console) {
        var table = TextTable(
            ["layer", "op", "shape", "mean", "std", "min", "max", "zeros", "neg", "dead", "saturated", "nan/inf"],
            rightAligned: [3, 4, 5, 6, 7, 8, 9, 10, 11])
        for layer in document.layers.sortedBySuspicion() {
            let s = layer.statistics
            let channels = s.channelMaxima.count
            let shape = "[" + s.shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
            table.add([
                layer.output.layer, layer.output.op, shape,
                number(s.mean), number(s.std), number(s.minimum), number(s.maximum),
                percent(s.zerosFraction), percent(s.negativeFraction),
                units(s.deadChannels.count, of: channels), units(s.saturatedChannels.count, of: channels),
                s.nanCount + s.infCount == 0 ? "0" : "\(s.nanCount)/\(s.infCount)",
            ])
        }
        table.lines.forEach(console.print)
        let skipped = document.skipped.isEmpty ? "" : ", \(document.skipped.count) skipped"
        console.print("\(document.inputs) input\(document.inputs == 1 ? "" : "s")\(skipped)")
    }

    /// Four significant digits, `-` when there is no value.
    static func number(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value == 0 { return "0" }
        return String(format: "%.4g", value)
    }

    static func percent(_ fraction: Double) -> String {
        fraction == 0 ? "0" : String(format: "%.1f%%", fraction * 100)
    }

    static func units(_ count: Int, of channels: Int) -> String {
        count == 0 ? "0" : "\(count)/\(channels)"
    }
}
