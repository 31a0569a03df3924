import Foundation
import StrataCore

/// The files TensorBoard's embedding projector reads from a log folder: `projector_config.pbtxt`
/// (a `ProjectorConfig` message in protobuf text format) naming, per embedding, a tensor file, a
/// metadata TSV and optionally a sprite image, all relative to the config's folder.
///
/// Tensors are written as raw little-endian float32 (`NAME.bytes`, `tensor_shape` given), unless
/// those bytes happen to be valid UTF-8: TensorBoard reads a tensor file as TSV text first and
/// falls back to binary only when decoding fails, so such a tensor is written as TSV (`NAME.tsv`,
/// one row per line, shortest round-trip decimals) instead. The metadata TSV has a header line when
/// it has more than one column (TensorBoard's rule); tabs and line breaks inside values become spaces.
public struct TensorBoardProjector: Sendable {
    /// One tensor shown by the projector.
    public struct Embedding: Sendable {
        /// The name the projector lists.
        public var name: String
        /// The file name stem (made safe by the folder's namer).
        public var fileStem: String
        public var rows: Int
        public var columns: Int
        /// `rows × columns` values, row after row.
        public var values: [Float]

        public init(name: String, fileStem: String, rows: Int, columns: Int, values: [Float]) {
            precondition(rows * columns == values.count, "projector tensor size")
            self.name = name
            self.fileStem = fileStem
            self.rows = rows
            self.columns = columns
            self.values = values
        }
    }

    /// A sprite image already written (PNG), and the size of one thumbnail in it.
    public struct Sprite: Sendable {
        public var bytes: [UInt8]
        public var cellWidth: Int
        public var cellHeight: Int

        public init(bytes: [UInt8], cellWidth: Int, cellHeight: Int) {
            self.bytes = bytes
            self.cellWidth = cellWidth
            self.cellHeight = cellHeight
        }
    }

    public static let configName = "projector_config.pbtxt"

    public var embeddings: [Embedding]
    /// Column names of the metadata (one row per tensor row), e.g. `["label", "file"]`.
    public var metadataColumns: [String]
    /// `rows` rows of `metadataColumns.count` values.
    public var metadata: [[String]]
    public var sprite: Sprite?

    public init(embeddings: [Embedding], metadataColumns: [String], metadata: [[String]], sprite: Sprite? = nil) {
        self.embeddings = embeddings
        self.metadataColumns = metadataColumns
        self.metadata = metadata
        self.sprite = sprite
    }

    /// The files of one projector written into a staged folder, as paths relative to its top.
    public struct Files: Sendable {
        /// One per embedding, in order.
        public var tensors: [String]
        public var metadata: String?
        public var sprite: String?

        /// Every file, in the order written.
        public var all: [String] { tensors + [metadata, sprite].compactMap { $0 } }
    }

    /// Writes every file into `subfolder` of `folder` (the config last) and returns their relative paths.
    @discardableResult
    public func write(into folder: StagedFolder, subfolder: String) throws -> [String] {
        let files = try writeFiles(into: folder, subfolder: subfolder)
        let text = configEntries(files, relativeTo: Self.folder(of: files.tensors.first ?? files.metadata ?? ""))
        // The config's name is fixed by TensorBoard; the folder's namer hands it out first.
        let path = try folder.write(Array(text.utf8), name: "projector_config", fileExtension: "pbtxt", subfolder: subfolder)
        guard (path as NSString).lastPathComponent == Self.configName else {
            throw StrataError(.io, "the projector folder already holds a file named \(Self.configName)")
        }
        return files.all + [path]
    }

    /// Writes the tensors, the metadata and the sprite (not the config) into `subfolder` of `folder`.
    public func writeFiles(into folder: StagedFolder, subfolder: String) throws -> Files {
        var files = Files(tensors: [])
        for embedding in embeddings {
            let raw = Self.littleEndianBytes(embedding.values)
            if String(validating: raw, as: UTF8.self) == nil {
                files.tensors.append(try folder.write(raw, name: embedding.fileStem, fileExtension: "bytes", subfolder: subfolder))
            } else {
                files.tensors.append(try folder.write(Array(Self.tsv(embedding).utf8), name: embedding.fileStem, fileExtension: "tsv", subfolder: subfolder))
            }
        }
        if !metadataColumns.isEmpty {
            files.metadata = try folder.write(Array(metadataTSV().utf8), name: "metadata", fileExtension: "tsv", subfolder: subfolder)
        }
        if let sprite {
            files.sprite = try folder.write(sprite.bytes, name: "sprite", fileExtension: "png", subfolder: subfolder)
        }
        return files
    }

    /// The `embeddings { … }` entries of a config for `files` (as `writeFiles` returned them), with
    /// paths relative to the config's folder `base` (a path relative to the staged folder's top, ""
    /// for the top itself), under which every file lies.
    public func configEntries(_ files: Files, relativeTo base: String) -> String {
        func relative(_ path: String) -> String {
            base.isEmpty ? path : String(path.dropFirst(base.count + 1))
        }
        var config = ""
        for (embedding, file) in zip(embeddings, files.tensors) {
            config += "embeddings {\n"
            config += "  tensor_name: \(Self.quoted(embedding.name))\n"
            config += "  tensor_path: \(Self.quoted(relative(file)))\n"
            if file.hasSuffix(".bytes") {
                config += "  tensor_shape: \(embedding.rows)\n  tensor_shape: \(embedding.columns)\n"
            }
            if let metadata = files.metadata { config += "  metadata_path: \(Self.quoted(relative(metadata)))\n" }
            if let sprite, let file = files.sprite {
                config += "  sprite {\n    image_path: \(Self.quoted(relative(file)))\n"
                config += "    single_image_dim: \(sprite.cellWidth)\n    single_image_dim: \(sprite.cellHeight)\n  }\n"
            }
            config += "}\n"
        }
        return config
    }

    /// The folder part of a relative path ("" for none).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// The metadata as TSV: a header line when there are several columns, then one line per row.
    public func metadataTSV() -> String {
        func clean(_ value: String) -> String {
            String(value.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
        }
        var lines: [String] = []
        if metadataColumns.count > 1 { lines.append(metadataColumns.map(clean).joined(separator: "\t")) }
        for row in metadata { lines.append(row.map(clean).joined(separator: "\t")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A tensor as TSV text.
    static func tsv(_ embedding: Embedding) -> String {
        var text = ""
        for r in 0 ..< embedding.rows {
            text += embedding.values[r * embedding.columns ..< (r + 1) * embedding.columns].map { "\($0)" }.joined(separator: "\t")
            text += "\n"
        }
        return text
    }

    static func littleEndianBytes(_ values: [Float]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: values.count * 4)
        for (i, v) in values.enumerated() {
            let bits = v.bitPattern.littleEndian
            bytes[4 * i] = UInt8(truncatingIfNeeded: bits)
            bytes[4 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            bytes[4 * i + 2] = UInt8(truncatingIfNeeded: bits >> 16)
            bytes[4 * i + 3] = UInt8(truncatingIfNeeded: bits >> 24)
        }
        return bytes
    }

    /// A protobuf text-format string literal: quotes, backslashes and bytes outside printable ASCII
    /// escaped (non-ASCII UTF-8 as octal bytes, which the parser turns back into the same string).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\n"): out += "\\n"
            case 0x20 ... 0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "\\" + String(byte, radix: 8).leftPadded(to: 3)
            }
        }
        return out + "\""
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
