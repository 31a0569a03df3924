import ArgumentParser
import Foundation
import StrataAnalysis
import StrataCore
import StrataExport

/// `strata stats merge A.json B.json … -o all.json`: the statistics of the whole dataset from the
/// documents of its shards (counts and histograms exactly, moments by Chan's formula).
public struct StatsMergeCommand: StrataSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine statistics documents of dataset shards into one.",
        discussion: """
            Every shard must cover the same model and layers (as strata stats --shard I/N writes them). \
            The result is what one run over all the shards' inputs gives: counts, histograms, dead and \
            saturated units exactly, mean and std to floating-point rounding.
            """
    )

    @Argument(help: ArgumentHelp("Statistics documents (stats --json output or stats.json).", valueName: "file.json"))
    public var files: [String]

    @Option(name: [.customShort("o"), .customLong("out")], help: ArgumentHelp("The merged document to write (replaced atomically).", valueName: "file.json"))
    public var output: String

    @Flag(help: "Print the merged document on standard output instead of the table.")
    public var json = false

    @Flag(help: "Print nothing but errors.")
    public var quiet = false

    public init() {}

    public var modelPath: String { files.first ?? "" }

    public func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one statistics document") }
        if output.isEmpty { throw ValidationError("-o must not be empty") }
    }

    public func execute(on console: Console) throws {
        try OutputFile.check(output, notOverwriting: files)
        var documents: [StatisticsDocument] = []
        for file in files {
            do {
                documents.append(try StatisticsDocument.read(file))
            } catch {
                throw error.strata(at: ErrorLocation(file: file))
            }
        }
        let merged = try StatisticsDocument.merged(documents, files: files)
        try AtomicFile.write(output, data: Array(merged.rendered().utf8), notOverwriting: files)
        if json {
            // The document without `rendered()`'s closing newline, which `print` adds: trimming it with
            // Foundation bridged the whole string (a few MB with every layer's histogram), 4 % of a short run.
            console.print(merged.json.rendered(pretty: true))
        } else if !quiet {
            StatsTable.print(merged, on: console)
            console.printError("strata: merged \(files.count) document\(files.count == 1 ? "" : "s") into \(output)\n")
        }
    }
}
