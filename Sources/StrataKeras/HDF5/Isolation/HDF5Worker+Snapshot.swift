import Foundation
import StrataCore

extension HDF5Worker {
    /// Most objects a snapshot describes; the rest of a larger file is asked about one request at a time.
    static let snapshotObjects = 20_000
    /// Most bytes of answers a snapshot holds (a Keras `model_config` is a few megabytes).
    static let snapshotBytes = 64 << 20
    /// Deepest group nesting a snapshot follows.
    static let snapshotDepth = 64

    /// Bytes of the page in which the worker notes the object it is reading.
    static let progressBytes = 4096

    /// Writes `path` (its first bytes, if long) into the progress page at `page`: a 4-byte length,
    /// then the UTF-8 bytes.
    static func note(_ path: String, in page: UnsafeMutableRawPointer) {
        let bytes = Array(path.utf8.prefix(progressBytes - 4))
        page.storeBytes(of: UInt32(0), as: UInt32.self)
        bytes.withUnsafeBytes { (page + 4).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        page.storeBytes(of: UInt32(bytes.count), as: UInt32.self)
    }

    /// The path last written to the progress page at `page`, nil when none was.
    static func notedPath(_ page: UnsafeMutableRawPointer) -> String? {
        let count = Int(page.load(as: UInt32.self))
        guard count > 0, count <= progressBytes - 4 else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: page + 4, count: count), as: UTF8.self)
    }

    /// Appends the snapshot of the file to `reply`: the request and reply of every metadata question
    /// about the objects reached from `/` through hard links (exists, kind, children, attributes and
    /// their strings, dataset info), each answered by `reply(to:)` exactly as a request would be, then
    /// the complete attribute list of each object described (so that absent attributes need no
    /// request either). Importing a Keras file asks several hundred such questions; one round trip
    /// instead of one each is what makes loading through the worker cheap on a busy machine.
    ///
    /// `note` is told each object's path before its metadata is read, so that if libhdf5 crashes or
    /// loops there, Strata can say where.
    static func snapshot(_ reader: HDF5Reader, into reply: inout WireMessage, note: (String) -> Void = { _ in }) {
        var entries: [(request: WireMessage, reply: WireMessage)] = []
        var attributeLists: [(path: String, names: [String])] = []
        var objects = 0
        var bytes = 0
        var opened: HDF5Reader? = reader

        func ask(_ operation: HDF5Operation, _ strings: String...) -> WireMessage? {
            guard bytes < snapshotBytes else { return nil }
            var request = WireMessage()
            request.append(operation.rawValue)
            for s in strings { request.append(s) }
            let answer = Self.reply(to: request, descriptor: nil, reader: &opened)
            bytes += request.bytes.count + answer.bytes.count
            entries.append((request, answer))
            return answer
        }

        func walk(_ path: String, depth: Int) {
            guard objects < snapshotObjects, depth <= snapshotDepth, bytes < snapshotBytes else { return }
            objects += 1
            note(path)
            guard var exists = ask(.exists, path), (try? exists.byte()) == 0, (try? exists.byte()) == 1 else { return }
            guard var kind = ask(.kind, path), (try? kind.byte()) == 0, let raw = try? kind.byte() else { return }
            if let names = reader.attributeNames(path) {
                attributeLists.append((path, names))
                for name in names {
                    _ = ask(.hasAttribute, path, name)
                    _ = ask(.strings, path, name)
                }
            }
            switch HDF5Reader.ObjectKind(rawValue: Int(raw)) {
            case .group:
                guard var children = ask(.children, path), (try? children.byte()) == 0, let names = try? children.strings() else { return }
                for name in names {
                    let child = (path == "/" ? "" : path) + "/" + name
                    // Soft and external links are answered when asked; a walk through them could loop.
                    if reader.isHardLink(child) { walk(child, depth: depth + 1) }
                }
            case .dataset:
                _ = ask(.datasetInfo, path)
            default:
                break
            }
        }

        walk("/", depth: 0)
        reply.append(entries.count)
        for entry in entries {
            reply.append(entry.request)
            reply.append(entry.reply)
        }
        reply.append(attributeLists.count)
        for list in attributeLists {
            reply.append(list.path)
            reply.append(list.names)
        }
    }
}
