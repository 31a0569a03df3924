import CONNXProto
import CProtobufC
import Foundation
import StrataCore

/// Tensors whose bytes live in a separate file next to the model (`data_location = EXTERNAL`).
///
/// A location is trusted only to name a file inside the model's folder: absolute paths, `..`
/// steps that climb out, and symbolic links whose target lies outside are refused with
/// `.unsafePath`, so a downloaded model cannot make Strata read arbitrary files.
extension TensorDecoder {
    func external(_ proto: Onnx__TensorProto, _ layout: Layout) throws -> Tensor {
        var location: String?
        var offset = 0
        var length: Int?
        let entries = try ProtoText.entries(proto.external_data, count: proto.n_external_data, what: "external data")
        for (key, value) in entries {
            switch key {
            case "location": location = value
            case "offset": offset = try TensorDecoder.byteNumber(value, key: key)
            case "length": length = try TensorDecoder.byteNumber(value, key: key)
            default: continue  // "checksum" and keys from newer specifications do not change the bytes
            }
        }
        guard let location, !location.isEmpty else {
            throw StrataError(.corruptFile, "external data has no location")
        }
        if let length, length != layout.byteCount {
            throw StrataError(.corruptFile, "external data length is \(length) bytes but \(layout) needs \(layout.byteCount)")
        }
        let file = try mappedFile(location)
        guard offset <= file.byteCount, layout.byteCount <= file.byteCount - offset else {
            throw StrataError(.corruptFile,
                              "external data file '\(location)' has \(file.byteCount) bytes, too few for \(layout) at offset \(offset)")
        }
        return try borrowOrCopy(file.bytes.map { $0 + offset }, layout, owner: file)
    }

    /// The file at `location` inside the model's folder, mapped once per load.
    private func mappedFile(_ location: String) throws -> MappedFile {
        if location.hasPrefix("/") {
            throw StrataError(.unsafePath, "external data location '\(location)' is an absolute path")
        }
        var depth = 0
        for part in location.split(separator: "/") where part != "." {
            depth += part == ".." ? -1 : 1
            if depth < 0 {
                throw StrataError(.unsafePath, "external data location '\(location)' leaves the model's folder")
            }
        }
        guard let root = TensorDecoder.realPath(folder) else {
            throw StrataError(.io, "cannot resolve the model's folder '\(folder)'")
        }
        guard let resolved = TensorDecoder.realPath(folder + "/" + location) else {
            let reason = errno == ENOENT ? "not found" : String(cString: strerror(errno))
            throw StrataError(.io, "external data file '\(location)': \(reason)")
        }
        guard root == "/" || resolved.hasPrefix(root + "/") else {
            throw StrataError(.unsafePath, "external data location '\(location)' resolves outside the model's folder")
        }
        if let file = mappedFiles[resolved] { return file }
        do {
            let file = try MappedFile(path: resolved, noFollow: true)
            mappedFiles[resolved] = file
            return file
        } catch let error as StrataError {
            throw StrataError(error.kind, "external data file '\(location)': \(error.message)")
        }
    }

    /// The canonical absolute path with every symbolic link resolved, or nil (with `errno` set).
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func byteNumber(_ text: String, key: String) throws -> Int {
        guard let value = Int(text), value >= 0 else {
            throw StrataError(.corruptFile, "external data \(key) '\(text)' is not a byte count")
        }
        return value
    }
}
