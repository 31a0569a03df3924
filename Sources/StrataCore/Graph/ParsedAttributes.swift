import Synchronization

/// A node's typed attributes, each parsed once (`Node.typed(_:)`) and kept for every later reader:
/// type inference, the kernel factory, the backward rule and the exporter ask for the same value.
final class ParsedAttributes: Sendable {
    private let values = Mutex<[ObjectIdentifier: any OpAttributes]>([:])

    func value<T: OpAttributes>(_ type: T.Type, parse: () throws -> T) rethrows -> T {
        if let cached = values.withLock({ $0[ObjectIdentifier(type)] }) as? T { return cached }
        let parsed = try parse()
        values.withLock { $0[ObjectIdentifier(type)] = parsed }
        return parsed
    }
}
