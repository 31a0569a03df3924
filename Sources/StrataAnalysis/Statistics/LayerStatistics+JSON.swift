import StrataCore

/// A layer's entry in a statistics document (schema in `Docs/Statistics.md`): the reported fields,
/// then what an exact merge needs (`m2`, `zero_count`, `negative_count`, `channels`,
/// `saturation_bounds`). Doubles are written so that they read back bit for bit.
extension LayerStatistics {
    public var json: JSONValue {
        let s = statistics
        func number(_ d: Double?) -> JSONValue { d.map(JSONValue.double) ?? .null }
        let (edges, counts) = s.histogram.trimmed
        var members: [(String, JSONValue)] = [
            ("layer", .string(output.layer)),
            ("tensor", .string(output.tensor)),
            ("output", .int(output.output)),
        ]
        if let call = output.call { members.append(("call", .int(call))) }
        members += [
            ("op", .string(output.op)),
            ("shape", .array(s.shape.map { $0.map(JSONValue.int) ?? .null })),
            ("count", .int(s.count)),
            ("mean", number(s.mean)),
            ("std", number(s.std)),
            ("min", number(s.minimum)),
            ("max", number(s.maximum)),
            ("zeros", .double(s.zerosFraction)),
            ("negative", .double(s.negativeFraction)),
            ("nan", .int(s.nanCount)),
            ("inf", .int(s.infCount)),
            ("dead", .array(s.deadChannels.map(JSONValue.int))),
            ("saturated", .array(s.saturatedChannels.map(JSONValue.int))),
            ("histogram", .object([("edges", .array(edges.map(JSONValue.double))), ("counts", .array(counts.map(JSONValue.int)))])),
            ("m2", .double(s.sumOfSquaredDeviations)),
            ("zero_count", .int(s.zeroCount)),
            ("negative_count", .int(s.negativeCount)),
        ]
        if let axis = s.channelAxis {
            var channels: [(String, JSONValue)] = [("axis", .int(axis)), ("max", .array(s.channelMaxima.map(Self.channelMaximum)))]
            if s.saturationBounds != nil { channels.append(("saturated_count", .array(s.saturatedCounts.map(JSONValue.int)))) }
            members.append(("channels", .object(channels)))
        } else {
            members.append(("channels", .null))
        }
        if let b = s.saturationBounds { members.append(("saturation_bounds", .array([.double(b.lo), .double(b.hi)]))) }
        return .object(members)
    }

    /// A channel maximum: a number, or the strings "Infinity" / "-Infinity" (JSON has no infinities).
    private static func channelMaximum(_ m: Double) -> JSONValue {
        m.isFinite ? .double(m) : .string(m > 0 ? "Infinity" : "-Infinity")
    }

    /// Reads a layer entry written by `json`, checking everything a merge relies on; the derived
    /// fields (`std`, `zeros`, `negative`, `dead`, `saturated`) are recomputed, not read.
    init(json: JSONField, layout: ActivationLayout) throws {
        let layer = try json.field("layer").string()
        let j = json.inLayer(layer)
        let output = LayerOutput(
            layer: layer, op: try j.field("op").string(), call: try j.optionalField("call")?.count(),
            output: try j.field("output").count(), tensor: try j.field("tensor").string())

        let shapeField = try j.field("shape")
        let shape: [Int?] = try shapeField.items().map { $0.value.isNull ? nil : try $0.count() }
        let count = try j.field("count").count()
        let nan = try j.field("nan").count(), inf = try j.field("inf").count()
        let zeros = try j.field("zero_count").count(), negatives = try j.field("negative_count").count()
        let (nonFinite, o1) = nan.addingReportingOverflow(inf)
        guard !o1, nonFinite <= count else { throw j.error("nan + inf exceed count") }
        let (signed, o2) = zeros.addingReportingOverflow(negatives)
        let (classified, o3) = signed.addingReportingOverflow(nan)
        guard !o2, !o3, classified <= count else { throw j.error("zero_count + negative_count + nan exceed count") }
        if !shape.contains(where: { $0 == nil }) {
            var product = 1
            for d in shape {
                let (p, overflow) = product.multipliedReportingOverflow(by: d!)
                guard !overflow else { throw shapeField.error("the shape's size overflows") }
                product = p
            }
            guard product == count else { throw shapeField.error("holds \(product) values but count is \(count)") }
        }

        var bounds: SaturationBounds?
        if let b = try j.optionalField("saturation_bounds") {
            let pair = try b.items()
            guard pair.count == 2 else { throw b.error("expected [lo, hi]") }
            let lo = try pair[0].number(), hi = try pair[1].number()
            guard lo <= hi else { throw b.error("lo is above hi") }
            bounds = SaturationBounds(lo: lo, hi: hi)
        }
        var s = ActivationStatistics(layout: layout, saturationBounds: bounds)
        s.rank = shape.count
        if let first = shape.first {
            guard let inputs = first else { throw shapeField.error("the batch size is unknown") }
            s.inputs = inputs
            s.itemShape = Array(shape.dropFirst())
        } else {
            s.inputs = count
        }
        s.count = count
        s.nanCount = nan
        s.infCount = inf
        s.zeroCount = zeros
        s.negativeCount = negatives

        let finite = count - nonFinite
        if finite > 0 {
            s.moments = Moments(n: finite, mean: try j.field("mean").number(), m2: try j.field("m2").number())
            guard s.moments.m2 >= 0 else { throw try j.field("m2").error("is negative") }
            s.finiteMinimum = try j.field("min").number()
            s.finiteMaximum = try j.field("max").number()
            guard s.finiteMinimum <= s.finiteMaximum else { throw j.error("min is above max") }
        }
        let histogram = try j.field("histogram")
        let edges = try histogram.field("edges").items().map { try $0.number() }
        let counts = try histogram.field("counts").items().map { try $0.count() }
        do {
            s.histogram = try ValueHistogram(edges: edges, counts: counts, field: "histogram")
        } catch let error as StrataError {
            throw error.located(ErrorLocation(file: j.file, node: layer))
        }
        var total = 0
        for n in counts {
            let (t, overflow) = total.addingReportingOverflow(n)
            guard !overflow else { throw histogram.error("the counts overflow") }
            total = t
        }
        guard total == finite else { throw histogram.error("counts add up to \(total), but \(finite) values are finite") }

        try Self.readChannels(j, into: &s, shape: shape)
        self.init(output: output, statistics: s)
    }

    private static func readChannels(_ j: JSONField, into s: inout ActivationStatistics, shape: [Int?]) throws {
        guard let axis = s.channelAxis else {
            if try j.optionalField("channels") != nil { throw try j.field("channels").error("must be null for rank \(shape.count)") }
            return
        }
        let channels = try j.field("channels")
        let axisField = try channels.field("axis")
        guard try axisField.count() == axis else { throw axisField.error("expected \(axis) for rank \(shape.count) in \(s.layout.rawValue)") }
        guard let c = shape[axis] else { throw channels.error("the channel count shape[\(axis)] is unknown") }
        guard c > 0 ? s.count % c == 0 : s.count == 0 else { throw channels.error("count \(s.count) is not a multiple of \(c) channels") }
        let maxima = try channels.field("max").items()
        guard maxima.count == c else { throw try channels.field("max").error("expected \(c) values, found \(maxima.count)") }
        s.channelMaxima = try maxima.map { m in
            switch m.value {
            case .string("Infinity"): return .infinity
            case .string("-Infinity"): return -.infinity
            default: return try m.number()
            }
        }
        let saturated = try channels.optionalField("saturated_count")
        guard (saturated == nil) == (s.saturationBounds == nil) else {
            throw channels.error("saturated_count and saturation_bounds come together")
        }
        if let saturated {
            let counts = try saturated.items().map { try $0.count() }
            guard counts.count == c else { throw saturated.error("expected \(c) values, found \(counts.count)") }
            let perChannel = c > 0 ? s.count / c : 0
            guard counts.allSatisfy({ $0 <= perChannel }) else { throw saturated.error("a count exceeds the \(perChannel) values per channel") }
            s.saturatedCounts = counts
        }
    }
}
