import StrataCore
import StrataExport
import StrataImage

/// One run's worth of inputs: the tensors to feed, where they came from, and (for images) the
/// 8-bit images as fed, for pictures drawn over them.
struct InputBatch {
    /// Position of this batch in the source, from 0.
    var index: Int
    /// The image files of this batch in batch order, or the `.npy` files read.
    var files: [String]
    /// Tensors by graph input name.
    var feeds: [String: Tensor]
    /// Sequence and optional inputs by graph input name (`.npy` inputs only; see `InputBinding`).
    var values: [String: Value] = [:]
    /// The images as fed before normalisation (RGB or grey order), one per batch element; empty
    /// for `.npy` input.
    var images: [RasterImage]
    /// Manifest rows saying which file(s) fed each input.
    var manifestInputs: [CaptureManifest.Input]
}
