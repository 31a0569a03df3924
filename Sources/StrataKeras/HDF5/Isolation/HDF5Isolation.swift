import Foundation
import Synchronization

/// Where libhdf5 runs when a Keras file is read.
///
/// libhdf5 (Debian's 1.10) itself crashes or loops forever on some corrupt files (bit-flipped global
/// heaps; see Docs/Security.md), which no check before calling it can rule out. `strata` therefore
/// reads HDF5 in a worker process, itself started again in a hidden mode (`strata hdf5-worker`), and
/// turns the worker's death or silence into an error. Library users get `.inProcess` unless they
/// choose otherwise.
public enum HDF5Isolation: Sendable, Equatable {
    /// libhdf5 runs in this process.
    case inProcess
    /// libhdf5 runs in a worker: `executable hdf5-worker`, one per open file.
    case worker(executable: String)

    /// The mode new files are opened with.
    public static var current: HDF5Isolation {
        get { setting.withLock { $0 } }
        set { setting.withLock { $0 = newValue } }
    }

    private static let setting = Mutex<HDF5Isolation>(.inProcess)
}
