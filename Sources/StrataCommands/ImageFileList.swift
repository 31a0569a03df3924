import Foundation
import StrataCore

/// The image files `--images` names: the files under a folder, or the matches of a glob.
enum ImageFileList {
    /// File extensions taken from a folder (compared case-insensitively).
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The files of `spec`, in byte order of their paths: a folder is searched recursively for
    /// regular files with an image extension (symbolic links to folders are not followed, so a
    /// link cycle cannot loop); anything else is a glob pattern, whose matches are all taken.
    static func files(_ spec: String) throws -> [String] {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: spec, isDirectory: &isFolder), isFolder.boolValue {
            var found: [String] = []
            try walk(spec.hasSuffix("/") && spec.count > 1 ? String(spec.dropLast()) : spec, into: &found)
            if found.isEmpty {
                throw StrataError(.invalidInput, "no .png, .jpg or .jpeg files in the folder", at: ErrorLocation(file: spec))
            }
            return found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        let matches = try glob(spec)
        if matches.isEmpty {
            let hasPattern = spec.contains { "*?[".contains($0) }
            throw StrataError(.invalidInput, hasPattern ? "no files match --images" : "no such folder or file", at: ErrorLocation(file: spec))
        }
        return matches.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func walk(_ folder: String, into found: inout [String]) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw StrataError(.io, "cannot list the folder", at: ErrorLocation(file: folder))
        }
        for name in names {
            let path = folder + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try walk(path, into: &found)
            case S_IFREG, S_IFLNK:
                let ext = (name as NSString).pathExtension.lowercased()
                if extensions.contains(ext), stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG { found.append(path) }
            default:
                break
            }
        }
    }

    /// The paths matching a shell glob pattern (Glibc `glob`), or none.
    private static func glob(_ pattern: String) throws -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        let status = Foundation.glob(pattern, 0, nil, &result)
        if status == GLOB_NOMATCH { return [] }
        guard status == 0 else {
            throw StrataError(.io, "cannot expand the pattern", at: ErrorLocation(file: pattern))
        }
        return (0 ..< Int(result.gl_pathc)).compactMap { i in result.gl_pathv[i].map { String(cString: $0) } }
    }
}
