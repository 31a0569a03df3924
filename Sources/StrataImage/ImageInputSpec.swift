import StrataCore

/// What a model input needs from images: its layout, channels (1 or 3), fixed height and width
/// when the model declares them, and element type.
///
/// An image input has rank 4 — `[batch, channels, height, width]` (NCHW) or
/// `[batch, height, width, channels]` (NHWC) — with 1 or 3 channels and a floating-point dtype.
/// The model's layout (NHWC for Keras, NCHW for ONNX) decides where the channels are, unless its
/// channel axis is not 1 or 3 and the other layout's is (an ONNX model exported from TensorFlow
/// with `[N, 224, 224, 3]`).
public struct ImageInputSpec: Sendable, Equatable {
    public var name: String
    /// The declared type, for messages.
    public var type: ValueType
    public var layout: ActivationLayout
    /// 1 (grey) or 3 (RGB).
    public var channels: Int
    /// The declared batch size, nil when symbolic.
    public var batch: Int?
    /// The declared height, nil when symbolic.
    public var height: Int?
    /// The declared width, nil when symbolic.
    public var width: Int?
    /// float32, float16, bfloat16 or float64.
    public var dtype: DType

    /// The spec of `input`, or an error naming it when it cannot take images.
    public init(input: ValueInfo, modelLayout: ActivationLayout) throws {
        let location = ErrorLocation(detail: "input '\(input.name)'")
        func refuse(_ why: String) -> StrataError {
            StrataError(.invalidInput, "\(input.type) \(why)", at: location)
        }
        guard [.float32, .float16, .bfloat16, .float64].contains(input.type.dtype) else {
            throw refuse("is not a floating-point input; images feed float32, float16, bfloat16 or float64 inputs")
        }
        guard let shape = input.type.shape, shape.count == 4 else {
            throw refuse("is not an image input: expected rank 4 (batch, channels, height, width or batch, height, width, channels)")
        }
        guard let layout = Self.layout(of: shape, preferring: modelLayout) else {
            throw refuse("has no channel axis of 1 or 3 (grey or RGB) in either layout")
        }
        let axes = layout == .nchw ? (c: 1, h: 2, w: 3) : (c: 3, h: 1, w: 2)
        for axis in [axes.h, axes.w] {
            if let size = shape[axis].value, size < 1 || size > ImageLimits.maxSide {
                throw refuse("has an image side of \(size), outside 1...\(ImageLimits.maxSide)")
            }
        }
        name = input.name
        type = input.type
        self.layout = layout
        channels = shape[axes.c].value ?? 0
        batch = shape[0].value
        height = shape[axes.h].value
        width = shape[axes.w].value
        dtype = input.type.dtype
    }

    /// True when `input` looks like an image input (what `init` accepts).
    public static func accepts(_ input: ValueInfo, modelLayout: ActivationLayout) -> Bool {
        (try? ImageInputSpec(input: input, modelLayout: modelLayout)) != nil
    }

    /// The layout whose channel axis is known to be 1 or 3, the model's own first.
    private static func layout(of shape: [Dim], preferring preferred: ActivationLayout) -> ActivationLayout? {
        let other: ActivationLayout = preferred == .nchw ? .nhwc : .nchw
        for layout in [preferred, other] {
            let channels = shape[layout == .nchw ? 1 : 3].value
            if channels == 1 || channels == 3 { return layout }
        }
        return nil
    }

    /// The tensor shape for `count` images of `height × width`, in this input's layout.
    public func shape(count: Int, height: Int, width: Int) -> [Int] {
        layout == .nchw ? [count, channels, height, width] : [count, height, width, channels]
    }
}
