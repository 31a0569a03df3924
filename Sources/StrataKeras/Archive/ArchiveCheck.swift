import Foundation
import StrataCore

/// The CRC-32 check of a stored archive member that is read in place rather than extracted (a
/// `.keras` file's `model.weights.h5`), run on its own thread so that it overlaps the import:
/// `wait()` returns once the member's bytes matched, or throws the archive's error.
///
/// Every import checks it, `inspect` included: the CRC is the archive's only guard against bit rot in
/// the HDF5 metadata that `inspect` reads. The bytes are read a megabyte at a time and not kept.
final class ArchiveCheck: @unchecked Sendable {
    private let archive: KerasArchive
    private let member: KerasArchive.Member
    private let done = DispatchSemaphore(value: 0)
    /// Written by the checking thread before it signals `done`, read after `done` was waited for.
    private var outcome: Result<Void, Error> = .success(())
    private var finished = false

    init(_ archive: KerasArchive, _ member: KerasArchive.Member) {
        self.archive = archive
        self.member = member
        guard member.method == 0 else {
            finished = true  // a deflated member is checked as it is inflated
            return
        }
        Thread { [self] in
            do { try self.archive.verify(self.member) } catch { outcome = .failure(error) }
            done.signal()
        }.start()
    }

    /// Blocks until the check is done (at once on later calls); throws when the member does not match
    /// its CRC-32. Called from the importing thread only.
    func wait() throws {
        if !finished {
            done.wait()
            finished = true
        }
        try outcome.get()
    }
}
