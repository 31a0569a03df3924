import StrataCore

/// How images become a model's input: a preset named after the pipeline it reproduces, and
/// explicit steps, each of which overrides the preset's. `plan(for:)` resolves them against a
/// model input into the concrete steps.
///
/// The steps, in order: decode; convert to the input's channels (grey ↔ RGB as Pillow converts;
/// `grey` turns a colour image grey even for a 3-channel input); resize; centre crop; then per
/// sample, in float32, `x·scale` (or `x/divisor`), `− mean[c]`, `÷ std[c]`, with channels in
/// BGR order when `bgr` (mean and std are given in the input's channel order, after the swap).
///
/// Presets:
/// - `keras-caffe`: stretch to the input size (nearest), BGR, minus [103.939, 116.779, 123.68];
/// - `keras-tf`: stretch (nearest), x/127.5 − 1;
/// - `keras-torch`: stretch (nearest), x/255, minus [0.485, 0.456, 0.406], ÷ [0.229, 0.224, 0.225];
/// - `raw`: stretch (nearest), values 0…255; `unit`: the same divided by 255;
/// - `torchvision`: shorter side to round(crop·256/224) (bilinear, antialiased), centre crop to the
///   input size, x/255, ImageNet mean and std.
///
/// The `keras-*`, `raw` and `unit` presets resize as `keras.utils.load_img(path, target_size=…)`
/// does; `torchvision` as `Resize(256), CenterCrop(224)` on a PIL image. With no preset and no
/// options, images are prepared as `raw`.
public struct Preprocessing: Sendable, Equatable {
    public enum Preset: String, Sendable, CaseIterable {
        case kerasCaffe = "keras-caffe"
        case kerasTF = "keras-tf"
        case kerasTorch = "keras-torch"
        case raw
        case unit
        case torchvision
    }

    /// A height and width in pixels.
    public struct Size: Sendable, Equatable, CustomStringConvertible {
        public var height: Int
        public var width: Int

        public init(height: Int, width: Int) {
            self.height = height
            self.width = width
        }

        /// `224x224`: height by width, as `--size` takes it.
        public var description: String { "\(height)x\(width)" }
    }

    /// How the image is resized before any crop.
    public enum Resize: Sendable, Equatable {
        /// Straight to the target size, ignoring the aspect ratio (`load_img(target_size=…)`).
        case stretch
        /// The shorter side to N, the longer to `int(N · long / short)` (torchvision `Resize(N)`).
        case shorter(Int)
        /// The longer side to N, the shorter to `int(N · short / long)`.
        case longer(Int)
        /// The largest centred box of the target's aspect ratio, resized to the target
        /// (`load_img(…, keep_aspect_ratio=True)`).
        case keepAspect
        /// No resizing: images must already have the target size (or be cropped to it).
        case none
    }

    /// The first arithmetic step.
    public enum Scale: Sendable, Equatable {
        /// `x · factor`.
        case multiply(Double)
        /// `x / divisor`, as Keras and torchvision divide (`x / 255` differs from `x · (1/255)`
        /// in the last bit for some values).
        case divide(Double)
    }

    public var preset: Preset?
    /// The target height and width; required when the input's are symbolic (and no crop gives them).
    public var size: Size?
    public var resize: Resize?
    /// A centre crop to this size after resizing.
    public var crop: Size?
    public var interpolation: ResampleFilter?
    /// One value, or one per channel of the input.
    public var mean: [Double]?
    /// One value, or one per channel of the input.
    public var std: [Double]?
    public var scale: Scale?
    /// Feed channels in BGR order (always on for `keras-caffe`).
    public var bgr = false
    /// Turn colour images grey (replicated to 3 channels for an RGB input).
    public var grey = false

    public init(preset: Preset? = nil) {
        self.preset = preset
    }

    /// ImageNet statistics as Keras' `imagenet_utils` and torchvision write them.
    static let imageNetMean = [0.485, 0.456, 0.406]
    static let imageNetStd = [0.229, 0.224, 0.225]
    /// Keras' caffe-mode means, in BGR order.
    static let caffeMean = [103.939, 116.779, 123.68]
}
