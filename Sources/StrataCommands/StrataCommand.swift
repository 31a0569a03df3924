import ArgumentParser

/// The `strata` command line: one subcommand per job.
public struct StrataCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Look inside trained neural networks and move them between formats.",
        subcommands: [
            InspectCommand.self,
            LayersCommand.self,
            RunCommand.self,
            BenchCommand.self,
            DiagramCommand.self,
            ConvertCommand.self,
            CompareCommand.self,
            PreprocessCommand.self,
            MapsCommand.self,
            FiltersCommand.self,
            StatsCommand.self,
            ReportCommand.self,
            TensorBoardCommand.self,
            EmbedCommand.self,
            CamCommand.self,
            SaliencyCommand.self,
            HDF5WorkerCommand.self,
        ]
    )

    public init() {}
}
