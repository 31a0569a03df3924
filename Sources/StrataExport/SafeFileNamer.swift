/// Turns arbitrary layer names into file names that are safe inside one output folder.
///
/// Every character outside `[A-Za-z0-9._-]` (including `/`, `\`, NUL and any non-ASCII character)
/// becomes `_`; an empty name or one starting with `.` gets a `_` prefix (so never `.`, `..` or a
/// hidden file); the stem is capped at `maxLength` characters; and a name already handed out —
/// compared case-insensitively, for case-insensitive file systems — gets a numeric suffix `_1`,
/// `_2`, … The result never contains a path separator.
public struct SafeFileNamer: Sendable {
    public let maxLength: Int
    private var used: Set<String> = []

    /// `maxLength` bounds the stem (before suffix and extension); at least 16.
    public init(maxLength: Int = 120) {
        self.maxLength = Swift.max(16, maxLength)
    }

    /// The sanitised stem for `name`, without collision handling.
    public func stem(for name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            let v = scalar.value
            let allowed = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
                || scalar == "." || scalar == "_" || scalar == "-"
            out.unicodeScalars.append(allowed ? scalar : "_")
            if out.unicodeScalars.count >= maxLength { break }
        }
        if out.isEmpty || out.hasPrefix(".") { out = "_" + out }
        return String(out.prefix(maxLength))
    }

    /// A file name for `name` with `fileExtension` that this namer has not returned before.
    public mutating func fileName(for name: String, fileExtension: String) -> String {
        let base = stem(for: name)
        let suffixDot = fileExtension.isEmpty ? "" : "." + fileExtension
        var candidate = base + suffixDot
        var n = 1
        while used.contains(candidate.lowercased()) {
            candidate = base + "_\(n)" + suffixDot
            n += 1
        }
        used.insert(candidate.lowercased())
        return candidate
    }

    /// Marks `fileName` as taken (e.g. `manifest.json`) so no layer is given it.
    public mutating func reserve(_ fileName: String) {
        used.insert(fileName.lowercased())
    }
}
