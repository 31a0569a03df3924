import StrataCore

/// A dense matrix of float32 values in row-major order: one row per input (an image, an element of
/// a batch), one column per feature (a unit of the layer's activation). Every embedding takes one
/// and returns one.
///
/// The values are finite: `init` refuses NaN and ±∞ with the row and column of the first one, since
/// no distance or covariance means anything with them.
public struct FeatureMatrix: Sendable, Equatable {
    /// Number of rows (inputs), N.
    public let rows: Int
    /// Number of columns (features), D.
    public let columns: Int
    /// `rows × columns` values, row after row.
    public private(set) var values: [Float]

    /// A matrix over `values` (row after row); throws `invalidInput` when `values.count` is not
    /// `rows × columns`, a size is negative or there are no columns, or a value is not finite.
    public init(rows: Int, columns: Int, values: [Float]) throws {
        guard rows >= 0, columns >= 1 else {
            throw StrataError(.invalidInput, "a feature matrix needs at least one column and no negative size, got \(rows) × \(columns)")
        }
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, count == values.count else {
            throw StrataError(.invalidInput, "\(rows) × \(columns) feature matrix given \(values.count) values")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw StrataError(
                .invalidInput, "feature \(bad % columns) of row \(bad / columns) is \(values[bad]); embeddings need finite values")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix whose values are known to be finite and of the right count (the numerics' own results).
    init(uncheckedRows rows: Int, columns: Int, values: [Float]) {
        precondition(rows * columns == values.count, "feature matrix size")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The values of row `row`.
    public func row(_ row: Int) -> ArraySlice<Float> {
        values[row * columns ..< (row + 1) * columns]
    }

    public subscript(row: Int, column: Int) -> Float {
        values[row * columns + column]
    }
}
