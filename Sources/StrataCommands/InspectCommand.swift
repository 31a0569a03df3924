import ArgumentParser
import StrataCore
import StrataExport

/// `strata inspect MODEL [--json]`: what a model file contains, without running it.
public struct InspectCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's format, inputs, outputs and nodes with their shapes and parameter counts."
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Flag(help: "Print machine-readable JSON instead of tables.")
    public var json = false

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func execute(on console: Console) throws {
        let summary = ModelSummary(try ModelLoader.loadStructure(modelPath, config: config))
        if json {
            console.print(summary.json.rendered())
        } else {
            for line in summary.textLines { console.print(line) }
        }
    }
}
