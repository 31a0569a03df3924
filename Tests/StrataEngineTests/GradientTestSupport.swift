import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// Checks one node's backward rule against central finite differences of its own forward kernel.
///
/// With random output weights `g`, the rule's input gradients must equal the derivatives of
/// `L(x) = Σ g·f(x)`. Ops whose kernel computes in float64 are differenced in float64 (step 1e-4);
/// ops computed in float32 whatever the input dtype (Conv, ConvTranspose, Cast, linear and cubic Resize) are
/// differenced in float32 (step 1e-2),
/// with a tolerance sized for float32 rounding. The rule itself always runs in float32, and sees
/// only the forward values it declared in `savedForBackward`.
enum GradientCheck {
    enum Precision { case double, float }

    struct Case {
        let op: String
        let inputs: [Tensor?]
        var attributes: [String: Attribute] = [:]
        var opset = 21
        /// Inputs whose gradients are checked.
        var wrt: [Int] = [0]
        var outputs = 1
        var precision = Precision.double
        /// A label for failure messages.
        var label = ""
    }

    static func node(_ c: Case) -> Node {
        OneNode.node(c.op, c.inputs, attributes: c.attributes, opset: c.opset, outputs: c.outputs)
    }

    static func kernel(_ c: Case, _ inputs: [Tensor?]) throws -> any Kernel { try OneNode.kernel(node(c), inputs) }

    /// `Σ g·f(x)` in Double for the float outputs of the node run on `inputs`.
    static func objective(_ c: Case, _ inputs: [Tensor?], _ weights: [[Double]?]) throws -> Double {
        let outputs = try kernel(c, inputs).run(inputs, context: ExecutionContext(threads: 1))
        var total = 0.0
        for (y, w) in zip(outputs, weights) {
            guard let w else { continue }
            for i in 0..<y.count { total += w[i] * y.doubleValue(at: i) }
        }
        return total
    }

    static func check(_ c: Case, seed: UInt64 = 7, maxElements: Int = 400, file: StaticString = #filePath, line: UInt = #line) throws {
        let name = c.label.isEmpty ? c.op : "\(c.op) \(c.label)"
        let context = ExecutionContext(threads: 2)
        let node = node(c)
        let k = try kernel(c, c.inputs)
        guard let rule = k as? any DifferentiableKernel else { return XCTFail("\(name): the kernel has no backward rule", file: file, line: line) }
        let outputs = try k.run(c.inputs, context: context)
        var rng = SeededGenerator(seed: seed)
        let weights: [[Double]?] = outputs.map { y in
            y.dtype == .float32 ? (0..<y.count).map { _ in Double(Float.random(in: -1...1, using: &rng)) } : nil
        }
        let wanted = c.inputs.indices.map { c.wrt.contains($0) }
        let saved = rule.savedForBackward(wanted: wanted)
        let step = BackwardStep(
            inputs: c.inputs.enumerated().map { saved.inputs.contains($0) ? $1 : nil },
            inputShapes: c.inputs.map { $0?.shape },
            outputs: outputs.enumerated().map { saved.outputs.contains($0) ? $1 : nil },
            gradients: zip(outputs, weights).map { y, w in w.map { Tensor($0.map(Float.init), shape: y.shape) } },
            wanted: wanted, node: node)
        let analytic = try rule.backward(step, context: context)

        let wide: [Tensor?]
        let h: Double
        switch c.precision {
        case .double:
            wide = try c.inputs.map { t in try t.map { $0.dtype == .float32 ? try $0.converted(to: .float64) : $0 } }
            h = 1e-4
        case .float:
            wide = c.inputs
            h = 1e-2
        }
        for i in c.wrt {
            guard i < analytic.count, let got = analytic[i] else { XCTFail("\(name): no gradient for input \(i)", file: file, line: line); continue }
            let x = wide[i]!
            XCTAssertEqual(got.count, x.count, "\(name): gradient of input \(i) has shape \(got.shape), the input \(x.shape)", file: file, line: line)
            guard got.count == x.count else { continue }
            var numeric: [Double] = [], values: [Double] = []
            let picks = x.count <= maxElements ? Array(0..<x.count) : (0..<maxElements).map { _ in Int.random(in: 0..<x.count, using: &rng) }
            for j in picks {
                func shifted(_ delta: Double) throws -> Double {
                    let copy = try x.copy()
                    if copy.dtype == .float64 {
                        copy.pointer(as: Double.self)[j] += delta
                    } else {
                        copy.pointer(as: Float.self)[j] += Float(delta)
                    }
                    var args = wide
                    args[i] = copy
                    return try objective(c, args, weights)
                }
                numeric.append((try shifted(h) - shifted(-h)) / (2 * h))
                values.append(got.doubleValue(at: j))
            }
            let scale = max(1, numeric.map(abs).max() ?? 0)
            let tolerance = c.precision == .double ? 1e-4 * scale : 5e-3 * scale
            var worst = 0.0, at = 0
            for (n, (a, b)) in zip(values, numeric).enumerated() where abs(a - b) > worst { worst = abs(a - b); at = n }
            XCTAssertLessThanOrEqual(worst, tolerance,
                                     "\(name): input \(i) element \(picks.isEmpty ? -1 : picks[at]): rule \(values.isEmpty ? 0 : values[at]), finite difference \(numeric.isEmpty ? 0 : numeric[at])",
                                     file: file, line: line)
        }
    }

    /// Uniform values in `range` (the gradient checks' default: -2...2).
    static func random(_ shape: [Int], in range: ClosedRange<Float> = -2...2, _ rng: inout SeededGenerator) -> Tensor {
        rng.tensor(shape, in: range)
    }

    static func ints(_ values: [Int]) -> Tensor { Tensor(values.map { Int64($0) }, shape: [values.count]) }
}
