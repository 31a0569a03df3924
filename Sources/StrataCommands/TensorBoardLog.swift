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
/// Tags (Docs/TensorBoard.md), with `L` the layer output's name as `CaptureWriter.baseName` gives it:
/// - `maps`: `L/grid`, `L/mean`, `L/max`, `L/overlay-mean`, `L/overlay-max`, `L/overlay-cK`, `L/bars`,
///   `L/heatmap`; with several inputs each tag ends in `/INPUT` (the input's subfolder name in `--out`);
/// - `filters`: images `L/filters` (convolutions) or `L/kernel` (dense), histogram `L/weights`
///   (`L-NODE/…` for a layer with several kernels);
/// - `stats`: histogram `L/activations`; scalars `stats/L/mean`, `stats/L/std`, `stats/L/zeros_fraction`,
///   and `stats/L/dead_fraction` for layers with a channel axis.
///
/// Nothing is written before the first value; `commit` marks what was logged as complete, and a
/// log dropped without a commit removes what it wrote since the last one (`TensorBoardWriter`).
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
        let bytes = try png ?? picture.render(format: .png)
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

    /// The tag of a `maps` picture: `L/KIND`, or `L/KIND/INPUT` when the run has several inputs.
    static func mapTag(_ row: LayerOutput, _ kind: String, input: String?) -> String {
        CaptureWriter.baseName(for: row) + "/" + kind + (input.map { "/" + $0 } ?? "")
    }
}
