import Foundation

extension StrataError {
    /// The error for a file that cannot be opened for reading, saying why in the words every
    /// importer uses.
    public static func unreadableFile(_ path: String) -> StrataError {
        var isFolder: ObjCBool = false
        let reason: String
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            reason = "file not found"
        } else if isFolder.boolValue {
            reason = "is a directory, not a file"
        } else {
            reason = "permission denied"
        }
        return StrataError(.io, reason, at: ErrorLocation(file: path))
    }
}
