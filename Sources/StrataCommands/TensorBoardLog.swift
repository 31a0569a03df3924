import Foundation
import StrataAnalysis
import StrataCore
import StrataExport
import StrataImage
import StrataRender
import StrataTensorBoard

/// What a command logs to TensorBoard: its pictures as PNG images, activation statistics as
/// histograms and scalars, kernels as weight histograms, all at `step` in one new events file.
///
/// Tags (Docs/TensorBoard.md): a picture a command writes to `--out` as `BASE-KIND.png` (in the
/// subfolder `INPUT` when it has several inputs) is the image `BASE/KIND` (`BASE/KIND/INPUT`), see
/// `tag`; with `L` the layer output's name as `CaptureWriter.baseName` gives it:
/// - `maps`: `L/grid`, `L/mean`, `L/max`, `L/overlay-mean`, `L/overlay-max`, `L/overlay-cK`, `L/bars`,
///   `L/heatmap`;
/// - `filters`: images `L/filters` (convolutions) or `L/kernel` (dense), histogram `L/weights`
///   (`L-NODE/…` for a layer with several kernels);
/// - `stats`: histogram `L/activations`; scalars `stats/L/mean`, `stats/L/std`, `stats/L/zeros_fraction`,
///   and `stats/L/dead_fraction` for layers with a channel axis.
///
/// A command takes it from `TensorBoardOptions.open()` (nil without `--tensorboard`), logs with
/// `image`, `statistics` and `weights`, and calls `commit()` once it has succeeded. Nothing is
/// written before the first value; a log dropped without a commit removes what it wrote since the
/// last one (`TensorBoardWriter`), so a failed command leaves no events file.
final class TensorBoardLog {
    let writer: TensorBoardWriter
    /// The step of the values logged next.
    var step: Int64

    init(logDirectory: String, run: String?, step: Int64) throws {
        writer = try TensorBoardWriter(logDirectory: logDirectory, run: run)
        self.step = step
    }

    /// The events file, once a value was written.
    var path: String? { writer.path }

    /// Logs `picture` as a PNG image under `tag`. `png` is the picture rendered as PNG when the
    /// caller has it already; its size is read back with libpng (StrataImage's decoder).
    func image(_ tag: String, _ picture: some Picture, png: [UInt8]? = nil) throws {
        try image(tag, png: try png ?? picture.render(format: .png))
    }

    /// Logs the PNG file `bytes` as an image under `tag`; its size and colour model are read back
    /// with libpng (StrataImage's decoder).
    func image(_ tag: String, png bytes: [UInt8]) throws {
        let decoded = try ImageDecoder.decode(bytes: bytes, name: tag)
        let channels: Int
        switch decoded.colour {
        case .grey: channels = 1
        case .greyAlpha: channels = 2
        case .rgba: channels = 4
        default: channels = 3
        }
        let image = try TensorBoardImage(png: bytes, width: decoded.image.width, height: decoded.image.height, channels: channels)
        try writer.add(.image(tag, image), step: step)
    }

    /// The activation histogram (`L/activations`) and scalars (`stats/L/…`) of one layer output's
    /// statistics. A layer that saw no finite value gets only its zeros fraction (and dead fraction).
    func statistics(_ layer: LayerStatistics) throws {
        let s = layer.statistics
        let name = CaptureWriter.baseName(for: layer.output)
        var values: [TensorBoardValue] = []
        if let mean = s.mean, let std = s.std, let min = s.minimum, let max = s.maximum {
            let n = Double(s.finiteCount)
            let histogram = try TensorBoardHistogram(
                grid: ValueHistogram.bucketLimits, counts: s.histogram.counts, min: min, max: max, num: n, sum: mean * n,
                sumSquares: Swift.max(0, s.sumOfSquaredDeviations + mean * mean * n))
            values.append(try .histogram(name + "/activations", histogram))
            values.append(try .scalar("stats/\(name)/mean", mean))
            values.append(try .scalar("stats/\(name)/std", std))
        }
        values.append(try .scalar("stats/\(name)/zeros_fraction", s.zerosFraction))
        if !s.channelMaxima.isEmpty {
            values.append(try .scalar("stats/\(name)/dead_fraction", Double(s.deadChannels.count) / Double(s.channelMaxima.count)))
        }
        try writer.add(values, step: step)
    }

    /// The histogram of a kernel's finite weights under `name/weights`; nothing when none is finite.
    func weights(_ weights: KernelWeights, name: String) throws {
        guard let min = weights.min, let max = weights.max else { return }
        let histogram = try TensorBoardHistogram(
            grid: ValueHistogram.bucketLimits, counts: weights.histogram.counts, min: min, max: max, num: Double(weights.count),
            sum: weights.sum, sumSquares: weights.sumSquares)
        try writer.add(.histogram(name + "/weights", histogram), step: step)
    }

    /// Writes what was logged and marks it complete.
    func commit() throws {
        try writer.commit()
    }

    /// "logged WHAT to TensorBoard at step N: PATH", or nil when nothing was written.
    func report(_ what: String) -> String? {
        path.map { "logged \(what) to TensorBoard at step \(step): \($0)" }
    }

    /// The tag of a picture that is the file `BASE-KIND.png` in `--out` (in the subfolder `input`):
    /// `BASE/KIND`, or `BASE/KIND/INPUT`. TensorBoard groups tags on their first part, so a layer's
    /// pictures sit together, and an input keeps its tag from step to step.
    static func tag(_ base: String, _ kind: String, input: String? = nil) -> String {
        base + "/" + kind + (input.map { "/" + $0 } ?? "")
    }
}
