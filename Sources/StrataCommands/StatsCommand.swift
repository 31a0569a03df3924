import ArgumentParser

/// `strata stats`: activation statistics of every layer over a dataset (`collect`, the default),
/// and the merge of statistics computed on shards of one (`merge`).
public struct StatsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Activation statistics per layer over images or arrays: moments, zeros, dead and saturated units, histograms.",
        discussion: """
            strata stats MODEL --images DIR runs the model over every image and prints one row per layer, \
            most suspicious first (NaN/Inf, dead units, saturated units, zeros). --json prints the whole \
            document; --out DIR also writes stats.json and one histogram picture per layer. \
            --shard I/N processes every N-th image starting at the I-th, so shards can run on several \
            machines; strata stats merge A.json B.json -o all.json combines them exactly. \
            Definitions: Docs/Statistics.md.
            """,
        subcommands: [StatsCollectCommand.self, StatsMergeCommand.self],
        defaultSubcommand: StatsCollectCommand.self
    )

    public init() {}
}
