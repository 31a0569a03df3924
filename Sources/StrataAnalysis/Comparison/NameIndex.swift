/// The other model's activations by name key.
struct NameIndex {
    var exact: [String: [Int]] = [:]
    var full: [String: [Int]] = [:]
    var components: [String: [Int]] = [:]

    init(_ names: [ActivationNames]) {
        for (j, name) in names.enumerated() {
            for key in name.exact { exact[key, default: []].append(j) }
            for key in name.full { full[key, default: []].append(j) }
            for key in name.components { components[key, default: []].append(j) }
        }
    }
}
