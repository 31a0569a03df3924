import StrataCore

/// The tolerance policy: every named closeness rule that a reference comparison uses, defined once.
///
/// `strata compare` takes its defaults from here and prints the whole policy with
/// `strata compare --print-policy --json`; Tools/tolerance-policy.json is that output, committed
/// (a test checks it is current), and Tools/testlib.py reads it; StrataTestSupport's `assertClose`
/// takes these rules by name. Docs/Testing.md says which comparison uses which rule.
public enum TolerancePolicy {
    /// A layer, output or gradient against a reference framework's value (Keras, onnxruntime,
    /// torch.autograd, pytorch-grad-cam): rtol 1e-3, atol 1e-4 × max|reference|. `strata compare`'s default.
    public static let reference = ToleranceRule(rtol: 1e-3, atolScale: 1e-4)
    /// A float16 reference (mixed-precision Keras layers): float16 keeps 11 significant bits and
    /// TensorFlow's float16 kernels accumulate in float16 in their own order, so within 2^-10 of each
    /// value plus 2^-8 of the tensor's largest magnitude (a few float16 units in the last place).
    public static let float16Reference = ToleranceRule(rtol: 0x1p-10, atolScale: 0x1p-8)
    /// An ONNX backend node test's output against the suite's expected values (Tools/onnx-node-tests.py).
    public static let onnxNode = ToleranceRule(rtol: 1e-3, atol: 1e-5)
    /// A kernel against a naive float64 loop written in the test (same inputs, another summation order).
    public static let kernel = ToleranceRule(rtol: 1e-4, atol: 1e-5)

    /// The cosine similarity an approximate copy (quantized or float16 side) must reach in `strata compare`.
    public static let approximateMinimumCosine = 0.99
    /// The SQNR (dB) an approximate copy must also reach: a scaled copy has cosine 1, and this rejects
    /// one scaled by more than about ±30 %. A copy at cosine 0.99 with the same norm has an SQNR of 17 dB.
    public static let approximateMinimumSQNR = 10.0
    /// The least cosine similarity of a near match, made for a layer without an agreeing counterpart.
    public static let nearMatchCosine = 0.5

    /// The named rules, in the order they are printed.
    public static let rules: [(name: String, rule: ToleranceRule)] = [
        ("reference", reference), ("float16_reference", float16Reference), ("onnx_node", onnxNode), ("kernel", kernel),
    ]

    /// The policy as JSON: `{"rules": {name: {rtol, atol, atol_scale, nan_equal}}, "approximate": {...}}`.
    public static func json() -> JSONValue {
        .object([
            ("rules", .object(rules.map { name, rule in
                (name, .object([
                    ("rtol", .double(rule.rtol)), ("atol", .double(rule.atol)), ("atol_scale", .double(rule.atolScale)),
                    ("nan_equal", .bool(rule.nanEqual)),
                ]))
            })),
            ("approximate", .object([
                ("min_cosine", .double(approximateMinimumCosine)), ("min_sqnr_db", .double(approximateMinimumSQNR)),
                ("near_cosine", .double(nearMatchCosine)),
            ])),
        ])
    }

    /// The policy as text, one rule a line.
    public static func lines() -> [String] {
        rules.map { name, rule in
            "\(name): |got − want| ≤ \(rule.atol) + \(rule.atolScale)·max|ref| + \(rule.rtol)·|want|"
                + (rule.nanEqual ? ", NaN equals NaN" : "")
        } + ["approximate copy: cosine ≥ \(approximateMinimumCosine), SQNR ≥ \(approximateMinimumSQNR) dB; near match: cosine ≥ \(nearMatchCosine)"]
    }
}
