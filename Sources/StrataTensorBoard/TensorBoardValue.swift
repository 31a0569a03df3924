import StrataCore

/// One named value of a TensorBoard summary: a scalar, an image or a histogram under a tag. Tags
/// group on their first `/`-separated part in TensorBoard's dashboards.
public struct TensorBoardValue: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// Stored as float32 (`simple_value`), as TensorBoard does.
        case scalar(Float)
        case image(TensorBoardImage)
        case histogram(TensorBoardHistogram)
    }

    public let tag: String
    public let content: Content

    /// Throws `invalidInput` for an empty tag or one holding a NUL character.
    public init(tag: String, _ content: Content) throws {
        guard !tag.isEmpty, !tag.utf8.contains(0) else {
            throw StrataError(.invalidInput, "a TensorBoard tag must be non-empty text without NUL characters")
        }
        self.tag = tag
        self.content = content
    }

    /// A scalar value (rounded to float32).
    public static func scalar(_ tag: String, _ value: Double) throws -> TensorBoardValue {
        try TensorBoardValue(tag: tag, .scalar(Float(value)))
    }

    public static func image(_ tag: String, _ image: TensorBoardImage) throws -> TensorBoardValue {
        try TensorBoardValue(tag: tag, .image(image))
    }

    public static func histogram(_ tag: String, _ histogram: TensorBoardHistogram) throws -> TensorBoardValue {
        try TensorBoardValue(tag: tag, .histogram(histogram))
    }
}
