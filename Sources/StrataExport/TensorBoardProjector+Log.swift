import Foundation
import StrataCore

extension TensorBoardProjector {
    /// The largest `projector_config.pbtxt` read back for merging.
    static let maxConfigBytes = 16 << 20

    /// Writes the projector into a TensorBoard run folder `directory` (a log directory, or one of its
    /// runs) that other commands may share: the tensors, metadata and sprite go into `subfolder`
    /// (made safe; files of the same name there are replaced, others left alone), and the folder's
    /// one `projector_config.pbtxt`, the only config TensorBoard's projector reads for a run, gets
    /// this projector's `embeddings` entries, with paths relative to it. Entries already in the config
    /// are kept byte for byte, except those whose `tensor_path` lies in `subfolder` (they described
    /// the files just replaced) and those with the `tensor_name` of one of this projector's
    /// embeddings (the projector shows one tensor per name): they are dropped. The config is read, merged and replaced (atomically)
    /// under an exclusive lock on the folder, so commands writing into one run at once keep each
    /// other's entries. Returns the paths written, relative to `directory`, the config last.
    ///
    /// Throws `invalidInput` when the existing config is not protobuf text format (it is left as it
    /// was), `io` errors located at the file.
    @discardableResult
    public func write(toRun directory: String, subfolder: String) throws -> [String] {
        try Self.checkConfig(inRun: directory)
        let staged = try StagedFolder(destination: directory, reserved: [Self.configName])
        let files = try writeFiles(into: staged, subfolder: subfolder)
        let folder = Self.folder(of: files.tensors.first ?? files.metadata ?? files.sprite ?? "")
        try staged.commit()
        let entries = configEntries(files, relativeTo: "")
        let configPath = directory + "/" + Self.configName
        try Self.locked(directory) {
            var merged = Array(entries.utf8)
            if FileManager.default.fileExists(atPath: configPath) {
                let existing = try ProjectorConfigText(Array(InputFile.contents(configPath, limit: Self.maxConfigBytes)), file: configPath)
                let names = Set(embeddings.map(\.name))
                merged = existing.replacing(where: { entry in
                    if let name = entry.tensorName, names.contains(name) { return true }
                    guard !folder.isEmpty, var path = entry.tensorPath else { return false }
                    while path.hasPrefix("./") { path.removeFirst(2) }
                    return path.hasPrefix(folder + "/")
                }, appending: entries)
            }
            try AtomicFile.write(configPath, data: merged)
        }
        return files.all + [Self.configName]
    }

    /// Reads the `projector_config.pbtxt` of the run folder `directory`, if there is one, and throws
    /// what `write(toRun:subfolder:)` would throw for it; a command checks this before its work.
    public static func checkConfig(inRun directory: String) throws {
        let path = directory + "/" + configName
        guard FileManager.default.fileExists(atPath: path) else { return }
        _ = try ProjectorConfigText(Array(InputFile.contents(path, limit: maxConfigBytes)), file: path)
    }

    /// Runs `body` holding an exclusive `flock` on the folder `directory`.
    static func locked(_ directory: String, _ body: () throws -> Void) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw StrataError(.io, "cannot open the folder: \(AtomicFile.errnoText())", at: ErrorLocation(file: directory))
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw StrataError(.io, "cannot lock the folder: \(AtomicFile.errnoText())", at: ErrorLocation(file: directory))
            }
        }
        defer { flock(fd, LOCK_UN) }
        try body()
    }
}
