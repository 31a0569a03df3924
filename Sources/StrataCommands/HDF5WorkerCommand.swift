import ArgumentParser
import StrataKeras

/// `strata hdf5-worker` (hidden): the process Strata starts to run libhdf5 on a Keras file, so that
/// libhdf5 crashing or looping on a corrupt file ends only this process (see `HDF5Isolation`).
struct HDF5WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hdf5-worker",
        abstract: "Read HDF5 for another strata process (internal).",
        shouldDisplay: false
    )

    @Option(help: "The socket inherited from the strata process that started this one.")
    var socket: Int32

    @Option(help: "The most bytes of heap this process may use.")
    var dataLimit: Int?

    func run() throws {
        throw ExitCode(HDF5Worker.serve(socket: socket, dataLimit: dataLimit))
    }
}
