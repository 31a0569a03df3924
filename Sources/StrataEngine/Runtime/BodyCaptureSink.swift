import StrataCore
import Synchronization

/// Collects the values of tensors inside subgraphs that a run captures, each time a body
/// computes them (once per `Loop`/`Scan` iteration, in order). One sink serves a whole run and is
/// handed down to nested bodies through `ExecutionContext.bodyCapture`.
final class BodyCaptureSink: Sendable {
    /// The body tensors the run captures.
    let names: Set<String>
    private let values = Mutex<[String: [Tensor]]>([:])

    init(names: Set<String>) {
        self.names = names
    }

    func append(_ name: String, _ value: Tensor) {
        values.withLock { $0[name, default: []].append(value) }
    }

    /// The values collected for `name`, in the order the bodies computed them; removes them.
    func take(_ name: String) -> [Tensor] {
        values.withLock { $0.removeValue(forKey: name) ?? [] }
    }
}
