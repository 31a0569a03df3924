import Foundation
import StrataCore

/// The labels of `strata embed`'s inputs: from a CSV file (`--labels`) or from each image's folder
/// (`--labels-from-folders`).
///
/// The CSV has a header row whose columns include `file` and `label` (any case, any order, other
/// columns ignored), then one row per input, RFC 4180 quoting allowed. A `file` is an image path,
/// relative to the CSV's own folder unless absolute (matched against the images after both are
/// made absolute and standardised, `.` and `..` resolved), or, for `.npy` input, the 0-based row
/// index of the input in the batch. A file listed twice with different labels is an error.
struct EmbeddingLabels {
    /// The largest labels file read.
    static let maxBytes = 256 << 20

    private var byPath: [String: String] = [:]
    private var byIndex: [Int: String] = [:]
    let source: String

    /// Labels read from the CSV at `path`.
    init(csv path: String) throws {
        source = path
        let data = try InputFile.contents(path, limit: Self.maxBytes)
        guard let text = String(data: data, encoding: .utf8) else {
            throw StrataError(.invalidInput, "the labels file is not UTF-8 text", at: ErrorLocation(file: path))
        }
        let rows = try Self.parse(text, file: path)
        guard let header = rows.first else { throw StrataError(.invalidInput, "the labels file is empty", at: ErrorLocation(file: path)) }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let fileColumn = names.firstIndex(of: "file"), let labelColumn = names.firstIndex(of: "label") else {
            throw StrataError(.invalidInput, "the header row must name a 'file' and a 'label' column, found \(header)", at: ErrorLocation(file: path))
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        for (number, row) in rows.enumerated().dropFirst() {
            if row.count == 1 && row[0].isEmpty { continue }
            guard row.count > max(fileColumn, labelColumn) else {
                throw StrataError(.invalidInput, "row \(number + 1) has \(row.count) fields, fewer than the header's", at: ErrorLocation(file: path))
            }
            let file = row[fileColumn], label = row[labelColumn]
            if let index = Int(file), index >= 0 {
                if let old = byIndex[index], old != label {
                    throw StrataError(.invalidInput, "row \(number + 1): input \(index) is labelled both '\(old)' and '\(label)'", at: ErrorLocation(file: path))
                }
                byIndex[index] = label
            }
            let key = Self.key(file, relativeTo: folder)
            if let old = byPath[key], old != label {
                throw StrataError(.invalidInput, "row \(number + 1): '\(file)' is labelled both '\(old)' and '\(label)'", at: ErrorLocation(file: path))
            }
            byPath[key] = label
        }
    }

    /// The label of an image file, or of row `index` of a `.npy` batch; nil when the CSV has none.
    func label(file: String?, index: Int) -> String? {
        if let file, let label = byPath[Self.key(file, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))] {
            return label
        }
        return file == nil ? byIndex[index] : nil
    }

    /// The name of the folder that holds `file` (`--labels-from-folders`).
    static func folderLabel(of file: String) -> String {
        URL(fileURLWithPath: file).standardizedFileURL.deletingLastPathComponent().lastPathComponent
    }

    static func key(_ file: String, relativeTo folder: URL) -> String {
        let url = file.hasPrefix("/") ? URL(fileURLWithPath: file) : URL(fileURLWithPath: file, relativeTo: folder)
        return url.standardizedFileURL.path
    }

    /// RFC 4180 fields: commas separate, double quotes enclose fields (`""` inside is a quote), CRLF
    /// or LF end rows.
    static func parse(_ text: String, file: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false, wasQuoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        while let c = pending {
            pending = iterator.next()
            if quoted {
                if c == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = iterator.next()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !wasQuoted:
                quoted = true
                wasQuoted = true
            case ",":
                row.append(field)
                field = ""
                wasQuoted = false
            case "\r" where pending == "\n":
                continue
            case "\n", "\r":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
                wasQuoted = false
            default:
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw StrataError(.invalidInput, "a quoted field is not closed", at: ErrorLocation(file: file)) }
        if !field.isEmpty || !row.isEmpty || wasQuoted {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
