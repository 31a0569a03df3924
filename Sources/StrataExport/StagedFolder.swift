import Foundation
import StrataCore

/// An output folder filled all at once: files are written into a hidden staging folder next to the
/// destination and moved in by `commit`, so a command that fails leaves the destination as it was.
///
/// The staging folder sits in the destination's parent, so the final moves are renames on one file
/// system. Names come from `SafeFileNamer`s (one for the top level, one per subfolder), so a hostile
/// layer or image name can neither leave the folder nor collide with another file. `commit` creates
/// the destination if needed, moves the files in, and writes the `last` files (manifests, index
/// pages) after everything they list. Files already in the destination that this run does not
/// produce are left alone; ones with the same name are replaced. `abandon` (also on deinit) deletes
/// the staging folder and the empty parent folders this object created.
public final class StagedFolder {
    public let destination: String
    public let staging: String
    private var namer = SafeFileNamer()
    private var subfolders: [String: SafeFileNamer] = [:]
    private var subfolderNames: [String: String] = [:]
    /// Relative paths written so far, in order.
    public private(set) var files: [String] = []
    private var finished = false
    private var committed = false
    /// Folders above the destination this object created, innermost first.
    private var createdParents: [String] = []

    /// Prepares a staging folder for `destination`; `reserved` names (such as `manifest.json`) are
    /// never handed out for other files.
    public init(destination: String, reserved: [String] = []) throws {
        let url = URL(fileURLWithPath: destination)
        self.destination = destination
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isFolder), !isFolder.boolValue {
            throw StrataError(.invalidInput, "output path exists and is not a folder", at: ErrorLocation(file: destination))
        }
        let parent = url.deletingLastPathComponent().path
        let name = ".strata-\(url.lastPathComponent)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        staging = (parent.isEmpty ? "." : parent) + "/" + name
        for file in reserved { namer.reserve(file) }
        var missing = URL(fileURLWithPath: parent)
        while !missing.path.isEmpty, missing.path != "/", !FileManager.default.fileExists(atPath: missing.path) {
            createdParents.append(missing.path)
            missing.deleteLastPathComponent()
        }
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            throw StrataError(.io, "cannot create output folder: \(Self.reason(error))", at: ErrorLocation(file: destination))
        }
    }

    deinit {
        abandon()
    }

    /// A fresh relative path for a file named after `name` (made safe), in `subfolder` (also made
    /// safe; nil for the top level). The file itself is not created.
    public func path(for name: String, fileExtension: String, subfolder: String? = nil) throws -> String {
        guard let subfolder else { return namer.fileName(for: name, fileExtension: fileExtension) }
        let folder: String
        if let existing = subfolderNames[subfolder] {
            folder = existing
        } else {
            folder = namer.fileName(for: subfolder, fileExtension: "")
            subfolderNames[subfolder] = folder
            subfolders[folder] = SafeFileNamer()
            do {
                try FileManager.default.createDirectory(atPath: staging + "/" + folder, withIntermediateDirectories: false)
            } catch {
                throw StrataError(.io, "cannot create folder: \(Self.reason(error))", at: ErrorLocation(file: destination + "/" + folder))
            }
        }
        return folder + "/" + subfolders[folder]!.fileName(for: name, fileExtension: fileExtension)
    }

    /// Writes `bytes` under a fresh name (see `path(for:fileExtension:subfolder:)`) and returns the
    /// relative path.
    @discardableResult
    public func write(_ bytes: [UInt8], name: String, fileExtension: String, subfolder: String? = nil) throws -> String {
        let relative = try path(for: name, fileExtension: fileExtension, subfolder: subfolder)
        try AtomicFile.write(staging + "/" + relative, data: bytes)
        files.append(relative)
        return relative
    }

    /// Writes `tensor` as `.npy` under a fresh name and returns the relative path.
    @discardableResult
    public func writeNPY(_ tensor: Tensor, name: String, fileExtension: String = "npy", subfolder: String? = nil) throws -> String {
        let relative = try path(for: name, fileExtension: fileExtension, subfolder: subfolder)
        try NPYFile.write(tensor, to: staging + "/" + relative)
        files.append(relative)
        return relative
    }

    /// Moves every staged file into the destination, then writes `last` (name → bytes, names
    /// reserved at `init`) in order.
    public func commit(last: [(name: String, bytes: [UInt8])] = []) throws {
        precondition(!finished, "staged folder committed or abandoned twice")
        defer { abandon() }
        do {
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
            for folder in Set(subfolderNames.values).sorted() {
                try FileManager.default.createDirectory(atPath: destination + "/" + folder, withIntermediateDirectories: true)
            }
        } catch {
            throw StrataError(.io, "cannot create output folder: \(Self.reason(error))", at: ErrorLocation(file: destination))
        }
        for file in files {
            let target = destination + "/" + file
            if rename(staging + "/" + file, target) != 0 {
                throw StrataError(.io, "cannot move file into place: \(AtomicFile.errnoText())", at: ErrorLocation(file: target))
            }
        }
        for (name, bytes) in last {
            try AtomicFile.write(destination + "/" + name, data: bytes)
        }
        committed = true
    }

    /// Deletes the staging folder and everything written to it (and, unless committed, the empty
    /// parent folders this object created).
    public func abandon() {
        guard !finished else { return }
        finished = true
        try? FileManager.default.removeItem(atPath: staging)
        if !committed {
            for folder in createdParents { rmdir(folder) }
        }
    }

    static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
