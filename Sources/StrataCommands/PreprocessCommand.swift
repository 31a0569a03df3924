import ArgumentParser
import Foundation
import StrataCore
import StrataExport
import StrataImage

/// `strata preprocess IMAGE… --model M -o x.npy`: writes the tensor `run` would feed the model's
/// image input for these images (batch axis included), and says on standard error what was done.
public struct PreprocessCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Write the input tensor a model would be fed for images, as .npy.",
        discussion: """
            The tensor is exactly what strata run --image feeds: shape [N, H, W, C] for a channels-last \\
            input, [N, C, H, W] for a channels-first one, in the input's dtype (bfloat16 written as \\
            float32). Presets and options: Docs/Images.md.
            """
    )

    @Argument(help: ArgumentHelp("PNG or JPEG files; several make a batch.", valueName: "image"))
    public var imagePaths: [String]

    @Option(name: .customLong("model"), help: ArgumentHelp("The model whose input the images are for (.onnx, .h5, .keras).", valueName: "file"))
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(name: .customLong("input-name"), help: ArgumentHelp("The input to prepare for, when the model has several image inputs.", valueName: "name"))
    public var inputName: String?

    @Option(name: [.customShort("o"), .customLong("out")], help: ArgumentHelp("The .npy file to write (replaced atomically).", valueName: "file.npy"))
    public var output: String

    @OptionGroup(title: "Image preprocessing")
    public var preprocessing: PreprocessingOptions

    @Flag(help: "Print nothing but errors.")
    public var quiet = false

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if imagePaths.isEmpty { throw ValidationError("give at least one image") }
        if imagePaths.count > ImageOptions.maxBatch { throw ValidationError("at most \(ImageOptions.maxBatch) images") }
        if output.isEmpty { throw ValidationError("-o must not be empty") }
    }

    public func execute(on console: Console) throws {
        let inputs = [modelPath] + (config.map { [$0] } ?? []) + imagePaths
        try OutputFile.check(output, notOverwriting: inputs)
        let model = try ModelLoader.load(modelPath, config: config)
        let spec: ImageInputSpec
        if let inputName {
            guard let input = model.graph.runtimeInputs.first(where: { $0.name == inputName }) else {
                throw StrataError(.invalidInput, "the model has no input named '\(inputName)'; its inputs are: "
                    + model.graph.runtimeInputs.map { "\($0.name) \($0.type)" }.joined(separator: ", "))
            }
            spec = try ImageInputSpec(input: input, modelLayout: model.layout)
        } else {
            spec = try InputBatches.imageInput(of: model, excluding: [])
        }
        if let fixed = spec.batch, fixed != imagePaths.count {
            throw StrataError(.invalidInput, "input '\(spec.name)' (\(spec.type)) takes batches of exactly \(fixed) image\(fixed == 1 ? "" : "s"), not \(imagePaths.count)")
        }
        let plan = try preprocessing.preprocessing().plan(for: spec)
        var images: [RasterImage] = []
        var notes: [String] = []
        for file in imagePaths {
            let prepared = try plan.prepare(try ImageDecoder.decode(path: file), file: file)
            notes += prepared.notices.map { "strata: note: \(file): \($0)\n" }
            images.append(prepared.image)
        }
        let tensor = try InputBatches.converted(try plan.tensor(for: images), to: spec.dtype)
        try NPYFile.write(tensor, to: output, notOverwriting: inputs)
        if !quiet {
            // Only once it worked, so that a failure is one line.
            console.printError("strata: input '\(spec.name)': \(plan.summary)\n")
            notes.forEach(console.printError)
            console.print("wrote \(output): \(NPYDescriptor.forWriting(tensor.dtype).dtype.rawValue)\(tensor.shape)")
        }
    }
}
