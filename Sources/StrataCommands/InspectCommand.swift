import ArgumentParser
import StrataCore
import StrataExport

/// `strata inspect MODEL [--json]`: what a model file contains, without running it.
public struct InspectCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's format, inputs, outputs and nodes with their shapes and parameter counts."
    )

    @Argument(help: "The model file (.onnx).")
    public var modelPath: String

    @Flag(help: "Print machine-readable JSON instead of tables.")
    public var json = false

    public init() {}

    public func execute(on console: Console) throws {
        let summary = ModelSummary(try ModelLoader.load(modelPath))
        if json {
            console.print(summary.json.rendered())
        } else {
            for line in summary.textLines { console.print(line) }
        }
    }
}
