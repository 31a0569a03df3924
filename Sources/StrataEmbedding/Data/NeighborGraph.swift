/// The k nearest neighbours of every row of a feature matrix (the row itself excluded), nearest
/// first, by Euclidean distance.
public struct NeighborGraph: Sendable, Equatable {
    /// Number of rows.
    public let count: Int
    /// Neighbours per row.
    public let k: Int
    /// `count × k` row indices, nearest first.
    public var indices: [Int32]
    /// `count × k` Euclidean distances matching `indices`, ascending in each row.
    public var distances: [Float]

    public init(count: Int, k: Int, indices: [Int32], distances: [Float]) {
        precondition(indices.count == count * k && distances.count == count * k, "neighbour graph size")
        self.count = count
        self.k = k
        self.indices = indices
        self.distances = distances
    }
}
