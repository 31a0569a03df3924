/// The sliding-window attributes shared by Conv, ConvTranspose and the pools (`kernel_shape`,
/// `strides`, `dilations`, `pads`, `auto_pad`, `ceil_mode`), parsed and checked once, and the rules
/// that turn them into output sizes and the padding actually applied.
///
/// `pads` holds all begin paddings, then all end paddings (`[x1_begin, x2_begin, …, x1_end, x2_end, …]`),
/// as in ONNX.
public struct SlidingWindow: Sendable, Hashable {
    public enum AutoPad: String, Sendable, Hashable {
        case notSet = "NOTSET", sameUpper = "SAME_UPPER", sameLower = "SAME_LOWER", valid = "VALID"
    }

    public let kernel: [Int]
    public let strides: [Int]
    public let dilations: [Int]
    public let pads: [Int]
    public let autoPad: AutoPad
    public let ceilMode: Bool

    public var rank: Int { kernel.count }

    /// Extent of the dilated window along `axis`: `(k - 1) * d + 1`.
    public func span(_ axis: Int) -> Int { (kernel[axis] - 1) * dilations[axis] + 1 }

    /// Fits the window `attributes` of `node` to `rank` spatial axes. `kernel` is the kernel shape
    /// when it is known from elsewhere (Conv's weight); `kernel_shape`, when present, must agree.
    /// With `allowsCeilMode` false, `ceil_mode` is ignored (Conv has none).
    public init(_ attributes: WindowAttributes, node: Node, rank: Int, kernel known: [Int]?, allowsCeilMode: Bool = false) throws {
        let declared = attributes.kernelShape
        guard let kernel = declared ?? known else { throw node.missing("kernel_shape") }
        guard kernel.count == rank else {
            throw node.attributeError("kernel_shape", "has \(kernel.count) values for \(rank) spatial axes")
        }
        if let declared, let known, declared != known {
            throw node.attributeError("kernel_shape", "\(declared) does not match the weight's kernel \(known)")
        }
        guard kernel.allSatisfy({ $0 >= 1 }) else {
            throw node.attributeError("kernel_shape", "values must be positive, found \(kernel)")
        }
        try Self.checkSize(node, "kernel_shape", kernel)
        self.kernel = kernel
        self.strides = try Self.perAxis(node, "strides", attributes.strides, rank: rank, default: 1, minimum: 1)
        self.dilations = try Self.perAxis(node, "dilations", attributes.dilations, rank: rank, default: 1, minimum: 1)
        let autoPad = attributes.autoPad
        self.autoPad = autoPad
        let pads = attributes.pads ?? Array(repeating: 0, count: 2 * rank)
        guard pads.count == 2 * rank else {
            throw node.attributeError("pads", "has \(pads.count) values, expected \(2 * rank)")
        }
        guard pads.allSatisfy({ $0 >= 0 }) else {
            throw node.attributeError("pads", "values must not be negative, found \(pads)")
        }
        try Self.checkSize(node, "pads", pads)
        self.pads = autoPad == .notSet ? pads : Array(repeating: 0, count: 2 * rank)
        self.ceilMode = allowsCeilMode ? attributes.ceilMode : false
    }

    public init(kernel: [Int], strides: [Int], dilations: [Int], pads: [Int], autoPad: AutoPad = .notSet, ceilMode: Bool = false) {
        precondition(strides.count == kernel.count && dilations.count == kernel.count && pads.count == 2 * kernel.count)
        self.kernel = kernel
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.autoPad = autoPad
        self.ceilMode = ceilMode
    }

    private static func perAxis(_ node: Node, _ name: String, _ given: [Int]?, rank: Int, default value: Int, minimum: Int) throws -> [Int] {
        guard let v = given else { return Array(repeating: value, count: rank) }
        guard v.count == rank else {
            throw node.attributeError(name, "has \(v.count) values for \(rank) spatial axes")
        }
        guard v.allSatisfy({ $0 >= minimum }) else {
            throw node.attributeError(name, "values must be at least \(minimum), found \(v)")
        }
        try checkSize(node, name, v)
        return v
    }

    /// Window sizes beyond any real model; rejecting them keeps every size product far from overflow.
    static let largestValue = 1 << 20

    /// Spatial sizes beyond any tensor that fits in memory; with `largestValue` for the window
    /// attributes, every output-size formula stays inside `Int`.
    static let largestSize = 1 << 40

    /// The check the pools add (as onnxruntime does): each pad smaller than the kernel, so that no
    /// window lies wholly in the padding.
    public func requirePadsSmallerThanKernel(node: Node) throws {
        for i in 0 ..< rank where pads[i] >= kernel[i] || pads[rank + i] >= kernel[i] {
            throw node.attributeError("pads", "\(pads) must be smaller than the kernel \(kernel) on every axis")
        }
    }

    static func checkSize(_ node: Node, _ name: String, _ values: [Int]) throws {
        if let v = values.first(where: { $0 > largestValue }) {
            throw node.attributeError(name, "value \(v) is larger than Strata supports (\(largestValue))", kind: .unsupported)
        }
    }
}

/// Output sizes and applied padding of a window over a concrete input.
public struct WindowPlacement: Sendable, Hashable {
    /// Output spatial sizes.
    public let output: [Int]
    /// Padding before each spatial axis.
    public let padBegin: [Int]
    /// Padding after each spatial axis (for pools in ceil mode, windows may reach past it; those
    /// positions are not part of the input and are skipped).
    public let padEnd: [Int]
}

extension SlidingWindow {
    /// Where the window goes over `input` spatial sizes (Conv and pools). Throws when the window
    /// does not fit the padded input even once.
    public func place(over input: [Int], node: Node) throws -> WindowPlacement {
        precondition(input.count == rank)
        var output: [Int] = [], begin: [Int] = [], end: [Int] = []
        for i in 0..<rank {
            try checkInputSize(input[i], node: node)
            let (o, b, e) = placeAxis(i, input[i])
            guard o >= 1 else {
                throw node.error("window \(kernel) (dilations \(dilations)) does not fit input \(input) with pads \(pads)",
                                 kind: .invalidInput)
            }
            output.append(o); begin.append(b); end.append(e)
        }
        return WindowPlacement(output: output, padBegin: begin, padEnd: end)
    }

    /// A spatial size the output formulas can take without overflow (see `largestSize`).
    func checkInputSize(_ size: Int, node: Node) throws {
        guard size >= 0, size <= SlidingWindow.largestSize else {
            throw node.error("spatial size \(size) is beyond what Strata supports (\(SlidingWindow.largestSize))", kind: .unsupported)
        }
    }

    private func placeAxis(_ i: Int, _ size: Int) -> (Int, Int, Int) {
        let s = strides[i], span = span(i)
        switch autoPad {
        case .notSet:
            let padded = size + pads[i] + pads[rank + i] - span
            guard padded >= 0 else { return (0, 0, 0) }
            var out = padded / s + 1
            if ceilMode {
                out = (padded + s - 1) / s + 1
                // The last window must start inside the input or its begin padding.
                if (out - 1) * s >= size + pads[i] { out -= 1 }
            }
            return (out, pads[i], pads[rank + i])
        case .valid:
            guard size >= span else { return (0, 0, 0) }
            return ((size - span) / s + 1, 0, 0)
        case .sameUpper, .sameLower:
            let out = (size + s - 1) / s
            let total = Swift.max(0, (out - 1) * s + span - size)
            let small = total / 2
            return autoPad == .sameUpper ? (out, small, total - small) : (out, total - small, small)
        }
    }

    /// The output size along `axis` as a dimension, symbolic when the input size is. A symbolic
    /// size keeps its name when the window maps it onto itself (stride 1, `SAME` or a 1-wide window).
    public func outputDim(_ axis: Int, _ size: Dim, node: Node) throws -> Dim {
        switch size {
        case .known(let v):
            try checkInputSize(v, node: node)
            let (o, _, _) = placeAxis(axis, v)
            guard o >= 1 else {
                throw node.error("window \(kernel) (dilations \(dilations)) does not fit input size \(v) on spatial axis \(axis)")
            }
            return .known(o)
        case .symbol(let name):
            let s = strides[axis]
            switch autoPad {
            case .sameUpper, .sameLower:
                return s == 1 ? size : .symbol("ceil(\(name)/\(s))")
            case .valid, .notSet:
                let shrink = span(axis) - 1 - (autoPad == .valid ? 0 : pads[axis] + pads[rank + axis])
                if s == 1 && shrink == 0 { return size }
                func offset(_ d: Int) -> String { d == 0 ? name : d > 0 ? "\(name)-\(d)" : "\(name)+\(-d)" }
                if s == 1 { return .symbol(offset(shrink)) }
                return .symbol("\(ceilMode ? "ceil" : "floor")((\(offset(shrink + 1)))/\(s))+1")
            }
        }
    }
}
