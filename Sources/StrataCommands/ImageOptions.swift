import ArgumentParser
import StrataImage

/// The options that feed images to a model: which files (`--image`, `--images`), how many per
/// run (`--batch`), what to do with unreadable ones (`--strict`), and how to preprocess them.
public struct ImageOptions: ParsableArguments {
    /// The most images in one batch; with the input size this bounds a batch's memory.
    static let maxBatch = 4096

    @Option(name: .customLong("image"), help: ArgumentHelp(
        "A PNG or JPEG file to feed to the model's image input; repeat for a batch. An unreadable file is an error.",
        valueName: "file"))
    public var images: [String] = []

    @Option(name: .customLong("images"), help: ArgumentHelp(
        "A folder (searched recursively for .png/.jpg/.jpeg files) or a quoted glob ('data/*.png'): images fed in sorted order, --batch at a time. Unreadable files are skipped with a warning.",
        valueName: "dir|glob"))
    public var dataset: String?

    @Option(help: ArgumentHelp("Images per run with --images.", valueName: "n"))
    public var batch = 1

    @Flag(help: "With --images, stop at the first unreadable image instead of skipping it.")
    public var strict = false

    @OptionGroup(title: "Image preprocessing")
    public var preprocessing: PreprocessingOptions

    public init() {}

    /// True when no images are asked for.
    public var isEmpty: Bool { images.isEmpty && dataset == nil }

    public func validate() throws {
        if !images.isEmpty && dataset != nil { throw ValidationError("give --image files or --images, not both") }
        guard (1 ... Self.maxBatch).contains(batch) else { throw ValidationError("--batch must be 1...\(Self.maxBatch)") }
        if images.count > Self.maxBatch { throw ValidationError("at most \(Self.maxBatch) --image files (use --images for more)") }
        if dataset?.isEmpty == true { throw ValidationError("--images must not be empty") }
        if isEmpty, let options = try? preprocessing.preprocessing(), options != Preprocessing() {
            throw ValidationError("image preprocessing options (--preprocess, --resize, …) need --image or --images")
        }
    }
}
