/// An op's attributes parsed once into typed values, with the defaults the ONNX spec gives for the
/// node's opset, and checked as the spec requires (ranges, enumerations). Type rules, kernels,
/// backward rules, the exporter and graph passes read an op's attributes through its
/// `OpAttributes` type, never by name; the op's schema names the type (`OpSchema.attributes`).
///
/// Readers ask the node, `node.typed(SoftmaxAttributes.self)`: the first request parses and the node
/// keeps the value for every later one (type inference, the kernel's factory, the backward rule, an
/// export rewrite), until the node's attributes, opset or op type change. Never per element.
public protocol OpAttributes: Sendable, Equatable {
    /// Every ONNX attribute name this type reads, over all the opsets Strata supports for its ops.
    static var names: [String] { get }

    /// Reads `node.attributes` as the spec for `node.opType` at `node.opset` defines them. Errors
    /// name the node and the attribute (`Node.attributeError`, `Node.missing`).
    init(node: Node) throws

    /// The parsed values in ONNX's vocabulary, spec defaults included. An optional attribute the
    /// spec gives no default for appears only when the node sets it.
    var values: [String: Attribute] { get }
}
