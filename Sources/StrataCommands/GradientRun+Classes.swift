import Foundation
import StrataCore
import StrataEngine

extension GradientRun {
    /// `{"index", "name"}` of a class, the name from `classNames` (null without one).
    static func targetJSON(_ index: Int, classNames: [String]?) -> JSONValue {
        .object([("index", .int(index)), ("name", classNames.flatMap { index < $0.count ? .string($0[index]) : nil } ?? .null)])
    }

    /// The `count` most probable classes of batch row `row` as `{"index", "name", "probability"}`:
    /// the model's Softmax output when it ends in one, else the softmax of the scored output's row
    /// (ties in index order).
    func topClasses(row: Int, count: Int = 5, classNames: [String]?) -> [JSONValue] {
        let source = probabilities ?? outputValue
        let rows = max(source.rank > 0 ? source.shape[0] : 1, 1)
        let width = source.count / rows
        guard row < rows, width > 0 else { return [] }
        var values = (0 ..< width).map { source.doubleValue(at: row * width + $0) }
        if probabilities == nil {
            let top = values.max() ?? 0
            let e = values.map { Foundation.exp($0 - top) }
            let sum = e.reduce(0, +)
            values = e.map { $0 / sum }
        }
        let order = values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(count)
        return order.map { i in
            .object([("index", .int(i)), ("name", classNames.flatMap { i < $0.count ? .string($0[i]) : nil } ?? .null),
                     ("probability", .double(values[i]))])
        }
    }
}
