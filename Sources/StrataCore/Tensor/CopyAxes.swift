/// The loops of a copy between two strided views of the same shape, outermost first: each axis's
/// length and its strides (in elements) in the source and the destination.
public enum CopyAxes {
    public typealias Axis = (n: Int, source: Int, destination: Int)

    /// `axes` with unit axes dropped and neighbours that stay adjacent on both sides merged, so that a
    /// copy runs the fewest, longest loops; one unit axis when nothing is left.
    public static func merged(_ axes: [Axis]) -> [Axis] {
        var result: [Axis] = []
        for axis in axes where axis.n != 1 {
            if let last = result.last, last.source == axis.source * axis.n, last.destination == axis.destination * axis.n {
                result[result.count - 1] = (last.n * axis.n, axis.source, axis.destination)
            } else {
                result.append(axis)
            }
        }
        return result.isEmpty ? [(1, 1, 1)] : result
    }
}
