/// What the user asked to capture: a layer or tensor by exact name, layers by a glob pattern,
/// or everything.
public enum LayerSelector: Sendable, Hashable {
    /// An exact layer name, or failing that an exact tensor name.
    case name(String)
    /// An fnmatch-style pattern over layer names: `*`, `?`, `[abc]`, `[a-z]`, `[!abc]`.
    case glob(String)
    case all

    /// A glob when `text` contains `*` or `?`, otherwise an exact name (which may contain `[`).
    public init(parsing text: String) {
        self = text.contains(where: { $0 == "*" || $0 == "?" }) ? .glob(text) : .name(text)
    }
}
