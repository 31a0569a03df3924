import COpenBLAS
import Foundation

/// OpenBLAS's own threads. Debian's default OpenBLAS (the pthread build) starts one worker per core
/// when the library is loaded, before `main`, and each idle worker spins in `sched_yield` for about
/// 0.1 s before it sleeps: a command that never multiplies a matrix on them (all of Strata's do
/// their own threading, `Engine` runs OpenBLAS on the calling thread) still burnt a core for its first
/// tenth of a second, taken from any other busy process (`strata inspect` of a Keras file: 0.11 s of
/// system time on the second core, against 0.02 s without the workers).
public enum BLASThreads {
    /// Runs OpenBLAS on the calling thread and stops its idle workers. OpenBLAS starts them again by
    /// itself when a caller later asks for more threads (`openblas_set_num_threads`, as the PCA does).
    /// `blas_thread_shutdown_` exists only in OpenBLAS's threaded builds, so it is looked up, not linked.
    public static func runOnCallingThread() {
        openblas_set_num_threads(1)
        if let symbol = dlsym(nil, "blas_thread_shutdown_") {
            _ = unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)()
        }
    }
}
