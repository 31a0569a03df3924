import Foundation
import StrataAnalysis
import StrataCore
import StrataEmbedding
import StrataEngine
import StrataImage
import StrataRender

extension EmbedCommand {
    /// What the forward passes kept: the feature matrix, each input's name and image file, and the
    /// thumbnails of image inputs (for the projector's sprite and `--thumbnails`).
    struct Collected {
        var features: FeatureMatrix
        /// Display names: the image file, or `batch.npy[i]`.
        var names: [String]
        /// The image file of each input; nil for `.npy` input.
        var files: [String?]
        /// One thumbnail per input, `thumbnailSide` pixels square; nil for `.npy` input or when the
        /// sprite would need cells under `minThumbnail` pixels.
        var thumbnails: [StrataRender.RasterImage]?
        var thumbnailSide: Int
        /// Bytes of the memory limit the feature matrix holds.
        var reservedBytes: Int
        var skipped: [String]
    }

    /// Thumbnail cells are at most this many pixels a side …
    static let maxThumbnail = 32
    /// … and the sprite at most this many pixels a side (TensorBoard's limit).
    static let maxSprite = 8192
    /// Below this cell size no sprite is made.
    static let minThumbnail = 8

    /// The thumbnail side for a sprite of up to `count` images.
    static func thumbnailSide(count: Int) -> Int {
        var side = Int(Double(max(1, count)).squareRoot())
        while side * side < count { side += 1 }
        return min(maxThumbnail, maxSprite / max(1, side))
    }

    /// Runs the model over every batch and keeps the layer's feature vectors.
    func collect(from source: InputBatches, engine: Engine, row: LayerOutput, layout: ActivationLayout, console: Console) throws -> Collected {
        var values: [Float] = []
        var width: Int?
        var names: [String] = [], files: [String?] = []
        let side = Self.thumbnailSide(count: source.totalImages)
        let keepThumbnails = source.totalImages > 0 && side >= Self.minThumbnail
        var thumbnails: [StrataRender.RasterImage] = []
        var reserved = 0
        let progress = ProgressReporter(console: console, quiet: quiet || json)
        defer { progress.finish() }
        do {
            while let batch = try source.next() {
                var activation: Tensor?
                try engine.run(inputs: batch.feeds, capture: [row]) { _, tensor in activation = tensor }
                guard let tensor = activation else {
                    throw StrataError(.invalidInput, "the engine returned no activation for '\(row.layer)'")
                }
                let count = tensor.rank == 0 ? 0 : tensor.shape[0]
                let expected = batch.images.isEmpty ? nil : batch.images.count
                if let expected, count != expected {
                    throw StrataError(.invalidInput, "'\(row.layer)' has shape \(tensor.shape): its first axis is not the batch of \(expected) images")
                }
                let rowWidth = try ActivationFeatures.width(shape: tensor.shape, layout: layout, pooling: pool)
                if let width, width != rowWidth {
                    throw StrataError(.invalidInput, "'\(row.layer)' gives \(rowWidth) features for batch \(batch.index + 1) but \(width) before; inputs must give one size")
                }
                width = rowWidth
                let (bytes, overflow) = count.multipliedReportingOverflow(by: rowWidth * 4)
                guard !overflow else { throw StrataError(.resourceLimit, "\(count) × \(rowWidth) features overflow") }
                try MemoryLimit.reserve(bytes, for: "the features of \(count) inputs (\(count) × \(rowWidth) float32)")
                reserved += bytes
                let start = values.count
                try ActivationFeatures.append(tensor, layout: layout, pooling: pool, to: &values)
                for b in 0 ..< count {
                    let name: String
                    if batch.images.isEmpty {
                        let file = batch.files.first ?? "input"
                        name = count == 1 ? file : "\(file)[\(b)]"
                        files.append(nil)
                    } else {
                        name = batch.files[b]
                        files.append(batch.files[b])
                    }
                    names.append(name)
                    if let bad = values[(start + b * rowWidth) ..< (start + (b + 1) * rowWidth)].firstIndex(where: { !$0.isFinite }) {
                        throw StrataError(.invalidInput, "feature \(bad - start - b * rowWidth) of '\(row.layer)' is \(values[bad]) for \(name); embeddings need finite values")
                    }
                }
                if keepThumbnails {
                    for image in batch.images {
                        let small = image.resized(width: side, height: side, filter: .bilinear)
                        thumbnails.append(try StrataRender.RasterImage(width: small.width, height: small.height, channels: small.channels, pixels: small.pixels))
                    }
                }
                if source.isDataset { progress.update(done: source.consumed, total: source.totalImages, unit: "images") }
            }
        } catch {
            MemoryLimit.release(reserved)
            throw error
        }
        progress.finish()
        let features: FeatureMatrix
        do {
            features = try FeatureMatrix(rows: names.count, columns: width ?? 1, values: values)
        } catch {
            MemoryLimit.release(reserved)
            throw error
        }
        return Collected(features: features, names: names, files: files, thumbnails: keepThumbnails ? thumbnails : nil,
                         thumbnailSide: side, reservedBytes: reserved, skipped: source.skipped.map(\.file))
    }
}
