import StrataTestSupport
import XCTest
import StrataCore
@testable import StrataEngine

/// MaxPool, AveragePool and the global pools against direct loops over seeded random shapes.
final class PoolingKernelTests: KernelTierTestCase {
    private struct PoolCase {
        var input: [Int] = [], kernel: [Int] = [], strides: [Int] = [], dilations: [Int] = [], pads: [Int] = []
        var autoPad = "NOTSET", ceil = false, includePad = false, columnMajor = false
    }

    /// Output sizes as the ONNX reference computes them (ceil mode drops a last window that would
    /// start past the input and its begin padding).
    private func outputSizes(_ c: PoolCase, pads: [Int]) -> [Int] {
        let r = c.input.count
        return (0..<r).map { i in
            let span = (c.kernel[i] - 1) * c.dilations[i] + 1
            switch c.autoPad {
            case "SAME_UPPER", "SAME_LOWER": return (c.input[i] + c.strides[i] - 1) / c.strides[i]
            case "VALID": return (c.input[i] - span) / c.strides[i] + 1
            default:
                let room = Double(c.input[i] + pads[i] + pads[r + i] - span) / Double(c.strides[i])
                var out = Int(c.ceil ? room.rounded(.up) : room.rounded(.down)) + 1
                if c.ceil && (out - 1) * c.strides[i] >= c.input[i] + pads[i] { out -= 1 }
                return out
            }
        }
    }

    private func reference(_ c: PoolCase, x: Tensor, max: Bool) -> (values: [Float], indices: [Int], shape: [Int]) {
        let r = c.input.count
        let pads = linearResolvedPads(autoPad: c.autoPad, input: c.input, kernel: c.kernel, strides: c.strides,
                                      dilations: c.dilations, pads: c.pads)
        let out = outputSizes(c, pads: pads)
        let xv = x.floats()
        let planeSize = c.input.elementCount
        let rowMajor = linearStrides(c.input)
        let columnMajor = (0..<r).map { a in c.input.prefix(a).reduce(1, *) }
        var values: [Float] = [], indices: [Int] = []
        for plane in 0..<(x.shape[0] * x.shape[1]) {
            for o in linearIndices(out) {
                var best = -Float.infinity, bestAt = -1, sum: Double = 0, count = 0, padded = 0
                for k in linearIndices(c.kernel) {
                    let p = (0..<r).map { o[$0] * c.strides[$0] - pads[$0] + k[$0] * c.dilations[$0] }
                    if (0..<r).allSatisfy({ p[$0] < c.input[$0] + pads[r + $0] }) { padded += 1 }
                    guard (0..<r).allSatisfy({ p[$0] >= 0 && p[$0] < c.input[$0] }) else { continue }
                    let v = xv[plane * planeSize + zip(p, rowMajor).reduce(0) { $0 + $1.0 * $1.1 }]
                    if bestAt < 0 || v > best {
                        best = v
                        bestAt = plane * planeSize + zip(p, c.columnMajor ? columnMajor : rowMajor).reduce(0) { $0 + $1.0 * $1.1 }
                    }
                    sum += Double(v)
                    count += 1
                }
                values.append(max ? best : Float(sum / Double(c.includePad ? padded : count)))
                indices.append(bestAt)
            }
        }
        return (values, indices, Array(x.shape.prefix(2)) + out)
    }

    private func attributes(_ c: PoolCase, max: Bool) -> [String: Attribute] {
        var a: [String: Attribute] = [
            "kernel_shape": .ints(c.kernel), "strides": .ints(c.strides), "dilations": .ints(c.dilations),
            "auto_pad": .string(c.autoPad), "ceil_mode": .int(c.ceil ? 1 : 0),
        ]
        if c.autoPad == "NOTSET" { a["pads"] = .ints(c.pads) }
        if max { a["storage_order"] = .int(c.columnMajor ? 1 : 0) } else { a["count_include_pad"] = .int(c.includePad ? 1 : 0) }
        return a
    }

    func testRandomPools() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 21)
            for trial in 0..<150 {
                let rank = rng.pick([1, 2, 2, 3])
                var c = PoolCase()
                c.kernel = (0..<rank).map { _ in rng.int(1...3) }
                c.strides = (0..<rank).map { _ in rng.int(1...3) }
                c.dilations = (0..<rank).map { _ in rng.pick([1, 1, 2]) }
                c.autoPad = rng.pick(["NOTSET", "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"])
                // Padding smaller than the window, as ONNX requires.
                c.pads = (0..<2 * rank).map { i in rng.int(0...(c.kernel[i % rank] - 1)) }
                c.ceil = c.autoPad == "NOTSET" && rng.bool()
                c.includePad = rng.bool()
                c.columnMajor = rank == 2 && rng.bool()
                c.input = (0..<rank).map { i in (c.kernel[i] - 1) * c.dilations[i] + 1 + rng.int(0...(rank == 3 ? 3 : 40)) }
                let x = rng.tensor([rng.int(1...2), rng.int(1...3)] + c.input)
                // MaxPool with and without Indices: the two take different paths.
                for (max, outputs) in [(true, 2), (true, 1), (false, 1)] {
                    let op = max ? "MaxPool" : "AveragePool"
                    let got = try runLinearKernel(op, inputs: [x], outputs: outputs, attributes: attributes(c, max: max))
                    let want = reference(c, x: x, max: max)
                    assertClose(got[0], want.values, shape: want.shape, "\(op) trial \(trial) \(c)")
                    if outputs == 2 { XCTAssertEqual(got[1].ints(), want.indices, "indices, trial \(trial) \(c)") }
                    let inferred = try inferLinearTypes(op, inputs: [x.type], outputs: outputs, attributes: attributes(c, max: max))
                    XCTAssertEqual(inferred[0].shape?.concrete, want.shape, "type rule \(op) trial \(trial)")
                }
            }
        }
    }

    func testGlobalPools() throws {
        var rng = SeededGenerator(seed: 22)
        // Planes of 32 values, whole and ragged blocks of 32 (the float32 average's vector loop).
        for shape in [[1, 3, 5, 7], [2, 4, 9], [1, 2, 3, 4, 5], [2, 3], [1, 2, 4, 8], [2, 3, 33, 35], [1, 5, 97]] {
            let x = rng.tensor(shape)
            let values = x.floats()
            let planes = shape[0] * shape[1], size = x.count / planes
            let outShape = Array(shape.prefix(2)) + Array(repeating: 1, count: shape.count - 2)
            let mean = (0..<planes).map { p in Float(values[p * size..<(p + 1) * size].reduce(0.0) { $0 + Double($1) } / Double(size)) }
            let maximum = (0..<planes).map { p in values[p * size..<(p + 1) * size].max()! }
            assertClose(try runLinearKernel("GlobalAveragePool", inputs: [x])[0], mean, shape: outShape)
            assertClose(try runLinearKernel("GlobalMaxPool", inputs: [x])[0], maximum, shape: outShape)
        }
    }

    func testPoolTypeRulesAndErrors() throws {
        let types = try inferLinearTypes("MaxPool", inputs: [ValueType(.float32, [.symbol("N"), 64, 112, 112])], outputs: 2,
                                         attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])])
        XCTAssertEqual(types.map(\.shape), [[.symbol("N"), 64, 56, 56], [.symbol("N"), 64, 56, 56]])
        XCTAssertEqual(types[1].dtype, .int64)
        let global = try inferLinearTypes("GlobalAveragePool", inputs: [ValueType(.float32, [.symbol("N"), 2048, 7, 7])])
        XCTAssertEqual(global[0].shape, [.symbol("N"), 2048, 1, 1])
        let x = Tensor([Float](repeating: 1, count: 16), shape: [1, 1, 4, 4])
        XCTAssertThrowsError(try runLinearKernel("MaxPool", inputs: [x])) { error in
            XCTAssertEqual((error as? StrataError)?.location.detail, "attribute 'kernel_shape'")
        }
        XCTAssertThrowsError(try runLinearKernel("AveragePool", inputs: [x], attributes: ["kernel_shape": .ints([5, 5])])) { error in
            XCTAssertEqual((error as? StrataError)?.kind, .invalidInput)
        }
    }
}
