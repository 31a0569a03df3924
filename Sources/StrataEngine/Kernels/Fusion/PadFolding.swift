import StrataCore

/// Zero padding written as a node of its own before a convolution, folded into the convolution's
/// padding: the `Conv` reads the `Pad`'s input and pads it itself. Keras writes its "valid"
/// convolutions after a `ZeroPadding2D` this way (ResNet50's first layer, MobileNetV2's stride-2
/// depthwise layers), and the Pad's copy of the map was a pass over memory of its own (0.75 ms of
/// Keras MobileNetV2's 12.4), kept alive until the convolution had read it, and in MobileNetV2 it
/// stood between an expansion and its depthwise layer, which then could not run in bands
/// (`PointwiseDepthwise`).
///
/// The Pad node itself stays in the graph: a run that captures its output still computes it. The
/// values do not change: the folded Conv reads the same zeros at the same places of its window.
///
/// Only a Pad of zeros (mode `constant`, value 0) on the spatial axes alone, none of them negative
/// (a crop), before a Conv with explicit padding (not `auto_pad = SAME_*`), and only where each
/// side's padding stays within the window's reach (dilated kernel − 1), so that every output
/// position still reads some of the map, as in every convolution a framework writes.
struct PadFolding: Sendable {
    /// The Conv nodes rewritten to read their Pad's input, by node index.
    let convolutions: [Int: Node]

    init(graph: Graph, producers: [String: Int], constant: (String) -> Tensor?) {
        var convolutions: [Int: Node] = [:]
        for (index, conv) in graph.nodes.enumerated() where conv.opType == "Conv" && conv.domain.isEmpty {
            guard let padded = conv.inputs.first, !padded.isEmpty, !conv.inputs.dropFirst().contains(padded),
                  let p = producers[padded], let folded = Self.fold(conv, pad: graph.nodes[p], constant: constant) else { continue }
            convolutions[index] = folded
        }
        self.convolutions = convolutions
    }

    /// `conv` reading `pad`'s input, with the pad added to its own; nil where the two do not fold.
    static func fold(_ conv: Node, pad: Node, constant: (String) -> Tensor?) -> Node? {
        guard let attributes = try? conv.typed(ConvAttributes.self),
              attributes.window.autoPad == .notSet || attributes.window.autoPad == .valid else { return nil }
        // The window's size: from the constant weight ([M, C/group, kernel…]), else from the attribute.
        let kernel: [Int]
        if conv.inputs.count > 1, let w = constant(conv.inputs[1]), w.rank >= 3 {
            kernel = Array(w.shape.dropFirst(2))
            if let stated = attributes.window.kernelShape, stated != kernel { return nil }
        } else if let stated = attributes.window.kernelShape, !stated.isEmpty {
            kernel = stated
        } else {
            return nil
        }
        let rank = kernel.count
        let dilations = attributes.window.dilations ?? Array(repeating: 1, count: rank)
        var pads = attributes.window.autoPad == .valid ? nil : attributes.window.pads
        pads = pads ?? Array(repeating: 0, count: 2 * rank)
        guard var pads, pads.count == 2 * rank, dilations.count == rank, pads.allSatisfy({ $0 >= 0 }),
              let (source, amounts) = zeros(pad, rank: rank + 2, constant: constant) else { return nil }
        for axis in 0..<rank {
            let reach = dilations[axis] * (kernel[axis] - 1)
            pads[axis] += amounts[axis + 2].before
            pads[rank + axis] += amounts[axis + 2].after
            guard pads[axis] <= reach, pads[rank + axis] <= reach else { return nil }
        }
        var folded = conv
        folded.inputs[0] = source
        folded.attributes["pads"] = .ints(pads)
        folded.attributes["auto_pad"] = nil
        return folded
    }

    /// The input of `pad` and the amounts it adds per axis of a rank-`rank` value, when it adds
    /// zeros on the axes after the first two alone; nil for any other Pad (or another node).
    static func zeros(_ pad: Node, rank: Int, constant: (String) -> Tensor?) -> (String, [(before: Int, after: Int)])? {
        guard pad.opType == "Pad", pad.domain.isEmpty, let source = pad.inputs.first, !source.isEmpty,
              let attributes = try? pad.typed(PadAttributes.self), attributes.mode == .constant else { return nil }
        /// The integers a constant int64 input holds; nil where it is not one.
        func integers(_ i: Int) -> [Int]? {
            guard i < pad.inputs.count, !pad.inputs[i].isEmpty, let t = constant(pad.inputs[i]), t.dtype == .int64, t.rank == 1 else {
                return nil
            }
            return t.ints()
        }
        let pads: [Int]
        var axes: [Int]? = nil
        if let stated = attributes.pads {
            guard attributes.value ?? 0 == 0 else { return nil }
            pads = stated
        } else {
            guard let given = integers(1) else { return nil }
            pads = given
            if pad.inputs.count > 2, !pad.inputs[2].isEmpty {
                guard let value = constant(pad.inputs[2]), value.count == 1, value.dtype.isFloatingPoint, value.doubleValue(at: 0) == 0 else {
                    return nil
                }
            }
            if pad.opset >= 18, pad.inputs.count > 3, !pad.inputs[3].isEmpty {
                guard let given = integers(3) else { return nil }
                axes = given
            }
        }
        guard let amounts = try? ShapeTypeRules.padAmounts(pads, axes: axes, rank: rank, node: pad),
              amounts.prefix(2).allSatisfy({ $0.before == 0 && $0.after == 0 }), amounts.allSatisfy({ $0.before >= 0 && $0.after >= 0 }) else { return nil }
        return (source, amounts)
    }
}
