import ArgumentParser
import Foundation
import StrataCore
import StrataExport

extension DiagramOptions.RankDirection: ExpressibleByArgument {}

/// `strata diagram MODEL [-o OUT]`: the model's architecture as Graphviz DOT, or rendered to
/// SVG/PNG/PDF by Graphviz's `dot`.
public struct DiagramCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "diagram",
        abstract: "Draw a model's architecture as Graphviz DOT, SVG, PNG or PDF.",
        discussion: """
            Without -o the DOT text goes to standard output. The extension of OUT picks the format: .dot or \
            .gv writes DOT; .svg, .png and .pdf run Graphviz's `dot`. By default constants, weights and the \
            shape-computation side graphs of exported models are hidden (--all-nodes shows them). \
            --options FILE.json sets any drawing option by its long name ({"rankdir": "LR", \
            "show-params": true}); flags on the command line override it.
            """
    )

    @Argument(help: "The model file (.onnx, .h5, .keras).")
    public var modelPath: String

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp(
        "Where to write: FILE.dot, FILE.svg, FILE.png or FILE.pdf (default: DOT on standard output).", valueName: "out"))
    public var output: String?

    @Option(help: ArgumentHelp("The architecture JSON (model.to_json()) for a weights-only Keras .h5 file.", valueName: "file.json"))
    public var config: String?

    @Option(help: ArgumentHelp("A JSON file of drawing options, keyed by their long names.", valueName: "file.json"))
    public var options: String?

    @Option(help: "Direction of data flow: TB, LR, BT or RL (default TB).")
    public var rankdir: DiagramOptions.RankDirection?

    @Flag(inversion: .prefixedNo, help: "Output shapes in each box (default on).")
    public var showShapes: Bool?

    @Flag(inversion: .prefixedNo, help: "Parameter counts.")
    public var showParams: Bool?

    @Flag(inversion: .prefixedNo, help: "Key attributes: filters/units, kernel size, strides, activation ...")
    public var showAttrs: Bool?

    @Flag(inversion: .prefixedNo, help: "Output dtypes.")
    public var showDtype: Bool?

    @Flag(inversion: .prefixedNo, help: "A legend of the box colours.")
    public var legend: Bool?

    @Flag(inversion: .prefixedNo, help: "Tensor shapes on the edges.")
    public var edgeShapes: Bool?

    @Flag(inversion: .prefixedNo, help: "Every node, including constants, weights and shape computations.")
    public var allNodes: Bool?

    @Flag(help: "Nested models as clusters of their layers (--expand-nested, default) or as one box each (--collapse-nested).")
    public var nesting: Nesting?

    @Option(help: "Nesting levels to draw for nested models (1 = top level only).")
    public var maxDepth: Int?

    @Option(help: ArgumentHelp("Draw only what is downstream of this layer.", valueName: "layer"))
    public var from: String?

    @Option(help: ArgumentHelp("Draw only what is upstream of this layer.", valueName: "layer"))
    public var to: String?

    public enum Nesting: String, EnumerableFlag {
        case expandNested, collapseNested
    }

    @OptionGroup public var memory: MemoryOptions

    public var memoryOptions: MemoryOptions? { memory }

    public init() {}

    public func validate() throws {
        if let maxDepth, maxDepth < 1 { throw ValidationError("--max-depth must be at least 1") }
    }

    /// The options after the config file (if any) and then the flags.
    func drawingOptions() throws -> DiagramOptions {
        var options = DiagramOptions()
        if let file = self.options {
            try options.apply(config: try InputFile.contents(file, limit: 1 << 20))
        }
        if let rankdir { options.rankdir = rankdir }
        if let showShapes { options.showShapes = showShapes }
        if let showParams { options.showParams = showParams }
        if let showAttrs { options.showAttrs = showAttrs }
        if let showDtype { options.showDtype = showDtype }
        if let legend { options.legend = legend }
        if let edgeShapes { options.edgeShapes = edgeShapes }
        if let allNodes { options.allNodes = allNodes }
        if let nesting { options.expandNested = nesting == .expandNested }
        if let maxDepth { options.maxDepth = maxDepth }
        if let from { options.from = from }
        if let to { options.to = to }
        return options
    }

    public func execute(on console: Console) throws {
        let inputs = [modelPath] + [config, self.options].compactMap { $0 }
        if let output, output != "-" { try OutputFile.check(output, notOverwriting: inputs) }
        let options = try drawingOptions()
        let model = try ModelLoader.loadStructure(modelPath, config: config)
        let dot = DOTWriter.render(try Diagram(model: model, options: options), options: options)
        guard let output, output != "-" else {
            console.print(String(dot.dropLast()))
            return
        }
        let format = URL(fileURLWithPath: output).pathExtension.lowercased()
        if format == "dot" || format == "gv" {
            try AtomicFile.write(output, data: Array(dot.utf8), notOverwriting: inputs)
        } else if GraphvizRenderer.formats.contains(format) {
            try GraphvizRenderer().render(dot, format: format, to: output, notOverwriting: inputs)
        } else {
            throw StrataError(
                .invalidInput, "cannot tell the format of '\(output)': use a .dot, .gv, .svg, .png or .pdf file name",
                at: ErrorLocation(file: output))
        }
    }
}
