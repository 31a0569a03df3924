import Foundation

/// What an HDF5 worker's snapshot says about a file (`HDF5Worker.snapshot`): the worker's reply to
/// each metadata request it answered ahead of time, by request bytes, and what those answers imply
/// about requests it did not make (an attribute missing from an object's complete list, a link
/// missing from a group's complete list of children).
struct HDF5Snapshot {
    /// Replies by request bytes, exactly as the worker would send them.
    private(set) var replies: [[UInt8]: WireMessage] = [:]
    /// The complete attribute names of each object described.
    private var attributes: [String: Set<String>] = [:]
    /// The complete link names of each group described.
    private var children: [String: Set<String>] = [:]

    /// Reads the snapshot that follows a successful reply's 0 byte. Throws `WireMessage.Malformed`.
    init(_ reply: inout WireMessage) throws {
        let count = try reply.int()
        guard count >= 0 else { throw WireMessage.Malformed() }
        for _ in 0 ..< count {
            let request = try reply.message()
            var answer = try reply.message()
            replies[request.bytes] = answer
            var fields = request
            if try fields.byte() == HDF5Operation.children.rawValue, try answer.byte() == 0 {
                children[try fields.string()] = Set(try answer.strings())
            }
        }
        let lists = try reply.int()
        guard lists >= 0 else { throw WireMessage.Malformed() }
        for _ in 0 ..< lists {
            let path = try reply.string()
            attributes[path] = Set(try reply.strings())
        }
    }

    /// Whether the object at `path` has the attribute `name`, when the snapshot lists its attributes.
    func hasAttribute(_ path: String, _ name: String) -> Bool? {
        attributes[path].map { $0.contains(name) }
    }

    /// False when `path`'s parent group was described and has no link of `path`'s last name; nil when
    /// the snapshot cannot tell.
    func exists(_ path: String) -> Bool? {
        guard let slash = path.lastIndex(of: "/"), path.index(after: slash) < path.endIndex else { return nil }
        let parent = slash == path.startIndex ? "/" : String(path[..<slash])
        guard let names = children[parent] else { return nil }
        return names.contains(String(path[path.index(after: slash)...])) ? nil : false
    }
}
