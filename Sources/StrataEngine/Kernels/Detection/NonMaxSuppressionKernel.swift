import StrataCore

/// NonMaxSuppression: per batch and class, boxes whose score exceeds `score_threshold` are taken in
/// descending score order (ties by lower box index) and kept unless their IoU with a box already kept
/// exceeds `iou_threshold`, up to `max_output_boxes_per_class` (absent or 0: none). Output
/// [selected, 3] int64 rows (batch, class, box). `center_point_box` 0 reads boxes as two corners
/// [y1, x1, y2, x2] in either order, 1 as [x_center, y_center, width, height]. Computed in float32,
/// as onnxruntime does, so that boundary IoUs compare the same way.
struct NonMaxSuppressionKernel: Kernel {
    let node: Node
    let centerPointBox: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        centerPointBox = try node.typed(NonMaxSuppressionAttributes.self).centerPointBox
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let (boxesTensor, scoresTensor) = (try args.tensor(0), try args.tensor(1))
        guard boxesTensor.dtype.isFloatingPoint, scoresTensor.dtype.isFloatingPoint,
              boxesTensor.rank == 3, boxesTensor.shape[2] == 4, scoresTensor.rank == 3,
              scoresTensor.shape[0] == boxesTensor.shape[0], scoresTensor.shape[2] == boxesTensor.shape[1] else {
            throw node.error("boxes \(boxesTensor.type) and scores \(scoresTensor.type) must be float [B, N, 4] and [B, C, N]",
                             kind: .invalidInput)
        }
        let maxPerClass = try args.optional(2).map { t -> Int in
            guard t.dtype.isInteger, t.count == 1 else {
                throw node.error("max_output_boxes_per_class must be one integer, found \(t.type)", kind: .invalidInput)
            }
            return t.intValue(at: 0)
        } ?? 0
        let iouThreshold = Float(try scalar(args.optional(3), "iou_threshold") ?? 0)
        let scoreThreshold = try scalar(args.optional(4), "score_threshold").map { Float($0) }
        guard (0...1).contains(iouThreshold) else {
            throw node.error("iou_threshold must lie in [0, 1], found \(iouThreshold)", kind: .invalidInput)
        }
        let (batches, classes, count) = (scoresTensor.shape[0], scoresTensor.shape[1], scoresTensor.shape[2])
        let boxes = boxesTensor.floats(), scores = scoresTensor.floats()
        var selected: [Int64] = []
        if maxPerClass > 0 {
            for b in 0..<batches {
                let corners = (0..<count).map { corner(boxes, b * count + $0) }
                for c in 0..<classes {
                    let base = (b * classes + c) * count
                    let order = (0..<count).filter { i in scoreThreshold.map { scores[base + i] > $0 } ?? true }
                        .sorted { scores[base + $0] > scores[base + $1] || (scores[base + $0] == scores[base + $1] && $0 < $1) }
                    var kept: [Int] = []
                    for i in order where kept.count < maxPerClass {
                        if !kept.contains(where: { suppresses(corners[$0], corners[i], iouThreshold) }) {
                            kept.append(i)
                            selected += [Int64(b), Int64(c), Int64(i)]
                        }
                    }
                }
            }
        }
        return [Tensor(selected, shape: [selected.count / 3, 3])]
    }

    /// Box `i` as (yMin, xMin, yMax, xMax).
    private func corner(_ boxes: [Float], _ i: Int) -> (Float, Float, Float, Float) {
        let (a, b, c, d) = (boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3])
        if centerPointBox { return (b - d / 2, a - c / 2, b + d / 2, a + c / 2) }
        return (Swift.min(a, c), Swift.min(b, d), Swift.max(a, c), Swift.max(b, d))
    }

    private func suppresses(_ p: (Float, Float, Float, Float), _ q: (Float, Float, Float, Float), _ threshold: Float) -> Bool {
        let (top, left) = (Swift.max(p.0, q.0), Swift.max(p.1, q.1))
        let (bottom, right) = (Swift.min(p.2, q.2), Swift.min(p.3, q.3))
        guard bottom > top, right > left else { return false }
        let intersection = (bottom - top) * (right - left)
        let areaP = (p.2 - p.0) * (p.3 - p.1), areaQ = (q.2 - q.0) * (q.3 - q.1)
        let union = areaP + areaQ - intersection
        guard intersection > 0, areaP > 0, areaQ > 0, union > 0 else { return false }
        return intersection / union > threshold
    }

    private func scalar(_ t: Tensor?, _ name: String) throws -> Double? {
        guard let t else { return nil }
        guard t.count == 1 else { throw node.error("\(name) must hold one value, found \(t.type)", kind: .invalidInput) }
        return t.doubleValue(at: 0)
    }
}
