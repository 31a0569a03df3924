import Foundation
import StrataCore
import StrataExport

/// Where a run's time goes: the mean time per run of every op type and of the slowest nodes, from
/// per-node wall times summed over `runs` runs.
struct NodeProfile {
    struct Row {
        let name: String
        let detail: String
        let milliseconds: Double
        let share: Double
    }

    /// Op types by time, with the number of nodes of each that ran.
    let ops: [Row]
    /// Every node that ran, slowest first, with its op type; the text shows the first `slowestShown`,
    /// `--json` all of them, so a script can set them beside another runtime's per-node profile.
    let nodes: [Row]
    let totalMilliseconds: Double

    static let slowestShown = 15

    init(graph: Graph, seconds: [Int: Double], runs: Int) {
        let perRun = seconds.mapValues { $0 * 1000 / Double(max(1, runs)) }
        let total = perRun.values.reduce(0, +)
        totalMilliseconds = total
        func share(_ ms: Double) -> Double { total > 0 ? ms / total : 0 }
        var byOp: [String: (ms: Double, count: Int)] = [:]
        for (node, ms) in perRun {
            let op = graph.nodes[node].opType
            byOp[op, default: (0, 0)].ms += ms
            byOp[op, default: (0, 0)].count += 1
        }
        ops = byOp.sorted { $0.value.ms > $1.value.ms || ($0.value.ms == $1.value.ms && $0.key < $1.key) }
            .map { Row(name: $0.key, detail: "\($0.value.count)", milliseconds: $0.value.ms, share: share($0.value.ms)) }
        nodes = perRun.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .map { Row(name: graph.nodes[$0.key].name, detail: graph.nodes[$0.key].opType, milliseconds: $0.value, share: share($0.value)) }
    }

    var lines: [String] {
        func table(_ header: [String], _ rows: [Row]) -> [String] {
            var t = TextTable(header, rightAligned: [1, 2, 3])
            for row in rows {
                t.add([row.name, row.detail, String(format: "%.3f", row.milliseconds), String(format: "%.1f %%", row.share * 100)])
            }
            return t.lines
        }
        return ["time per run by op type (sum of node times \(String(format: "%.2f", totalMilliseconds)) ms):"]
            + table(["op", "nodes", "ms", "share"], ops)
            + ["", "slowest nodes:"]
            + table(["node", "op", "ms", "share"], Array(nodes.prefix(Self.slowestShown)))
    }

    var json: JSONValue {
        func rows(_ rows: [Row], _ detailKey: String, number: Bool) -> JSONValue {
            .array(rows.map { row in
                .object([
                    ("name", .string(row.name)),
                    (detailKey, number ? .int(Int(row.detail) ?? 0) : .string(row.detail)),
                    ("ms", .double((row.milliseconds * 1000).rounded() / 1000)),
                ])
            })
        }
        return .object([
            ("total_ms", .double((totalMilliseconds * 1000).rounded() / 1000)),
            ("ops", rows(ops, "nodes", number: true)),
            ("nodes", rows(nodes, "op", number: false)),
        ])
    }
}
