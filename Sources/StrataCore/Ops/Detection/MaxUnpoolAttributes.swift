/// The attributes of `MaxUnpool`: the required `kernel_shape` (each in 1...65536), `strides`
/// (default 1 per axis, each in 1...65536) and `pads` (begins then ends, default 0, each in 0...65536).
public struct MaxUnpoolAttributes: OpAttributes {
    public static let names = ["kernel_shape", "strides", "pads"]

    public var kernelShape: [Int]
    public var strides: [Int]
    public var pads: [Int]

    public init(node: Node) throws {
        guard let kernel = try node.ints("kernel_shape"), !kernel.isEmpty, kernel.allSatisfy({ (1...65536).contains($0) }) else {
            throw node.attributeError("kernel_shape", "must be given, each in 1...65536")
        }
        kernelShape = kernel
        strides = try node.ints("strides") ?? Array(repeating: 1, count: kernel.count)
        pads = try node.ints("pads") ?? Array(repeating: 0, count: 2 * kernel.count)
        guard strides.count == kernel.count, strides.allSatisfy({ (1...65536).contains($0) }) else {
            throw node.attributeError("strides", "must hold \(kernel.count) values in 1...65536, found \(strides)")
        }
        guard pads.count == 2 * kernel.count, pads.allSatisfy({ (0...65536).contains($0) }) else {
            throw node.attributeError("pads", "must hold \(2 * kernel.count) values in 0...65536, found \(pads)")
        }
    }

    public var values: [String: Attribute] {
        ["kernel_shape": .ints(kernelShape), "strides": .ints(strides), "pads": .ints(pads)]
    }
}
