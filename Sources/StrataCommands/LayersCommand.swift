import ArgumentParser
import StrataCore

/// `strata layers MODEL`: the names `strata run --layer` accepts, one per line.
public struct LayersCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "layers",
        abstract: "List the capturable layer names, one per line, in graph order."
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func execute(on console: Console) throws {
        let model = try ModelLoader.loadStructure(modelPath, config: config)
        var seen: Set<String> = []
        for row in model.graph.captureTable where seen.insert(row.layer).inserted {
            console.print(row.layer)
        }
    }
}
