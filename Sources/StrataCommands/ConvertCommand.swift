import ArgumentParser
import Foundation
import StrataCore
import StrataONNX

/// `strata convert`: reads any model Strata imports (Keras `.h5`/`.keras`, weights + `--config`,
/// ONNX) and writes it as an ONNX file at a chosen opset.
public struct ConvertCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a model to ONNX.",
        discussion: """
            Keras models keep their inputs, outputs and layer names; node names start with the Keras layer \
            name. ONNX input is re-serialised through Strata's IR (opset change, unused initializers dropped). \
            The file is written under a temporary name and renamed, so a failed conversion leaves no output.
            """
    )

    @Argument(help: "The model file (.h5, .keras, .onnx).")
    public var modelPath: String

    @Argument(help: "The ONNX file to write.")
    public var outputPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(help: "The ai.onnx opset to write (13...21).")
    public var opset: Int = ONNXExporter.defaultOpset

    @Option(name: .customLong("batch-size"), help: ArgumentHelp("The batch dimension of inputs and outputs: a number or 'dynamic'.", valueName: "n|dynamic"))
    public var batchSize: String?

    @Flag(help: "No summary output.")
    public var quiet = false

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if !ONNXExporter.opsets.contains(opset) {
            throw ValidationError("--opset must be in \(ONNXExporter.opsets.lowerBound)...\(ONNXExporter.opsets.upperBound)")
        }
        _ = try batchDim()
    }

    func batchDim() throws -> Dim? {
        guard let batchSize else { return nil }
        if batchSize == "dynamic" { return .symbol("batch") }
        guard let n = Int(batchSize), n >= 1, n <= Int(Int32.max) else {
            throw ValidationError("--batch-size must be a number in 1...\(Int32.max) or 'dynamic'")
        }
        return .known(n)
    }

    public func execute(on console: Console) throws {
        let inputs = [modelPath] + (config.map { [$0] } ?? [])
        try OutputFile.check(outputPath, notOverwriting: inputs)
        let model = try ModelLoader.load(modelPath, config: config)
        // Keras facts, or what an ONNX file carries already (re-serialising keeps its metadata).
        var metadata = model.metadata.filter { $0.key.hasPrefix("keras_") || model.format == .onnx }
        metadata["strata.source_file"] = (modelPath as NSString).lastPathComponent
        metadata["strata.source_format"] = model.format.rawValue
        metadata["strata.source_layout"] = model.layout.rawValue
        if let producer = model.producer { metadata["strata.source_producer"] = producer }
        if let version = model.producerVersion {
            metadata[model.format == .onnx ? "strata.source_producer_version" : "keras_version"] = version
        }
        var doc = "Converted by strata from \((modelPath as NSString).lastPathComponent)"
        if model.format != .onnx { doc += " (Keras \(model.producerVersion ?? "version unknown"))" }
        let options = ExportOptions(opset: opset, batch: try batchDim(), metadata: metadata, docString: doc)
        do {
            try ONNXExporter.write(model, to: outputPath, options: options, notOverwriting: inputs)
        } catch let error as StrataError where error.location.file == nil {
            throw error.inFile(modelPath)
        }
        if !quiet {
            console.print("wrote \(outputPath) (ONNX opset \(opset))")
        }
    }
}
