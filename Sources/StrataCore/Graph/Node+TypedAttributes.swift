extension Node {
    /// This node's attributes as `type` reads them, parsed on the first request and kept with the node
    /// (until its name, op type, opset or attributes change); errors are not kept, so each request for
    /// an invalid node throws again.
    public func typed<T: OpAttributes>(_ type: T.Type) throws -> T {
        try parsedAttributes.value(type) { try T(node: self) }
    }
}
