import CStrataKernels
import StrataCore
import StrataTestSupport
import XCTest
@testable import StrataEngine

/// MatMul weights packed once (`PackedGemmWeight`): the same bits as packing them on every call,
/// packed from where the bytes lie without a second copy, and the file's pages let go.
final class LinearPackedWeightTests: KernelTierTestCase {
    /// A constant B (packed where the tier has its own GEMM) against the same B fed as a run-time
    /// value (packed per call): every bit equal, with K over one 256-deep block, ragged last panels,
    /// a batch of 1-row products folded into one product, and 1 and 3 threads.
    func testConstantWeightsGiveTheBitsOfRunTimeWeights() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 41)
            for (aShape, n) in [([197, 300], 45), ([13, 257], 17), ([5, 4, 64], 100), ([7, 1, 520], 33), ([2, 3, 9, 31], 64)] {
                let k = aShape.last!
                let a = rng.tensor(aShape), b = mappedLike(rng.tensor([k, n]))
                for threads in [1, 3] {
                    let node = OneNode.node("MatMul", [a, b])
                    let packed = try OneNode.kernel(node, [nil, b], constantInputs: true).run([a, b], context: ExecutionContext(threads: threads))
                    let perCall = try OneNode.kernel(node, [a, b]).run([a, b], context: ExecutionContext(threads: threads))
                    XCTAssertEqual(packed[0].shape, perCall[0].shape)
                    let (p, q) = (packed[0].floats(), perCall[0].floats())
                    if let i = p.indices.first(where: { p[$0].bitPattern != q[$0].bitPattern }) {
                        XCTFail("A \(aShape) × B [\(k), \(n)], \(threads) threads: element \(i) is \(p[i]) packed, \(q[i]) per call")
                    }
                }
            }
        }
    }

    /// Gemm with a constant B, stored transposed or not: in the AVX-512 tier the packed product gives
    /// MatMul's bits for A·B; in every tier, with C as a bias row, the direct sums within float32
    /// rounding.
    func testGemmWithConstantWeights() {
        var rng = SeededGenerator(seed: 45)
        let (m, k, n) = (30, 300, 70)
        let a = rng.tensor([m, k]), b = mappedLike(rng.tensor([k, n])), c = rng.tensor([n])
        let bf = b.floats()
        let bt = mappedLike(Tensor(bf.indices.map { i in bf[(i % k) * n + i / k] }, shape: [n, k]))
        forEachKernelTier {
            if KernelTier.active == .avx512 {
                let product = try OneNode.run("MatMul", [a, b], threads: 2)[0].floats()
                for (weight, transB) in [(b, 0), (bt, 1)] {
                    let got = try OneNode.run("Gemm", [a, weight], attributes: ["transB": .int(transB)], threads: 2, constantInputs: true)
                    XCTAssertEqual(got[0].floats().map(\.bitPattern), product.map(\.bitPattern), "transB \(transB)")
                }
            }
            let got = try OneNode.run("Gemm", [a, bt, c], attributes: ["transB": .int(1)], threads: 3, constantInputs: true)
            let (av, bv, cv) = (a.floats(), b.floats(), c.floats())
            let want: [Float] = (0..<m * n).map { index in
                let (i, j) = (index / n, index % n)
                var s: Double = 0
                for p in 0..<k { s += Double(av[i * k + p]) * Double(bv[p * n + j]) }
                return Float(s + Double(cv[j]))
            }
            assertClose(got[0], want, shape: [m, n], "Gemm with a bias row")
        }
    }

    /// Convolutions that go through `strata_sgemm_packed_at` when their weight is a constant (small
    /// maps, pixels as the product's rows): pointwise, strided pointwise, 3×3 padded and strided,
    /// grouped, with a bias, with and without a fused activation, at 1 and 3 threads, batch 2: every bit as
    /// with the weight fed at run time (per-call GEMM), in every tier.
    func testTransposedConvolutionsGiveTheBitsOfTheUsualPath() {
        forEachKernelTier {
            var rng = SeededGenerator(seed: 46)
            let cases: [(x: [Int], w: [Int], strides: [Int], pads: [Int], group: Int)] = [
                ([2, 24, 7, 7], [40, 24, 1, 1], [1, 1], [0, 0, 0, 0], 1),
                ([2, 30, 14, 13], [64, 30, 1, 1], [2, 2], [0, 0, 0, 0], 1),
                ([2, 16, 7, 7], [33, 16, 3, 3], [1, 1], [1, 1, 1, 1], 1),
                ([1, 64, 28, 28], [64, 64, 3, 3], [2, 2], [1, 1, 1, 1], 1),
                ([1, 600, 5, 6], [32, 600, 1, 1], [1, 1], [0, 0, 0, 0], 1),
                // 49 and 98 pixels go in blocks of 7 rows; K over one 256-deep block.
                ([1, 300, 7, 7], [48, 300, 1, 1], [1, 1], [0, 0, 0, 0], 1),
                ([2, 520, 7, 14], [48, 520, 1, 1], [1, 1], [0, 0, 0, 0], 1),
                // Grouped, each group's weight packed apart: groups of 16 output channels (half a
                // panel) and of 40 (a panel and a ragged one), ResNeXt's 3×3 windows on 7 × 7 maps,
                // a grouped pointwise one, 30 deep sums of 3 × 3 × 32 (one K block and a part).
                ([2, 24, 7, 7], [48, 8, 3, 3], [1, 1], [1, 1, 1, 1], 3),
                ([1, 64, 6, 8], [80, 32, 3, 3], [1, 1], [1, 1, 1, 1], 2),
                ([1, 40, 7, 7], [64, 10, 1, 1], [1, 1], [0, 0, 0, 0], 4),
            ]
            for c in cases {
                let x = rng.tensor(c.x), w = mappedLike(rng.tensor(c.w)), b = rng.tensor([c.w[0]])
                let attributes: [String: Attribute] = ["strides": .ints(c.strides), "pads": .ints(c.pads), "group": .int(c.group)]
                let node = OneNode.node("Conv", [x, w, b], attributes: attributes)
                for activation in [nil, FusedActivation.relu] {
                    for threads in [1, 3] {
                        let context = ExecutionContext(threads: threads)
                        let packed = try OneNode.kernel(node, [x, w, b], constantInputs: true) as! ConvKernel
                        let perCall = try OneNode.kernel(node, [x, w, b]) as! ConvKernel
                        if KernelTier.active == .avx512 { XCTAssertNotNil(packed.transposedWeight, "\(c)") }
                        let got = try XCTUnwrap(packed.run([x, w, b], activation: activation, context: context))[0].floats()
                        let want = try XCTUnwrap(perCall.run([x, w, b], activation: activation, context: context))[0].floats()
                        if let i = got.indices.first(where: { got[$0].bitPattern != want[$0].bitPattern }) {
                            XCTFail("\(c), \(String(describing: activation)), \(threads) threads: value \(i) is \(got[i]), per call \(want[i])")
                        }
                    }
                }
            }
        }
    }

    /// A batch size unknown when the kernel is built and 1 at run time: MatMul and Gemm (B stored
    /// transposed, a bias row) multiply by the packed weight instead of reading its bytes again, and
    /// give the direct sums within float32 rounding.
    func testOneRowUsesThePackedWeight() throws {
        try inTheAVX512Tier {
            var rng = SeededGenerator(seed: 48)
            let (k, n) = (300, 70)
            let a = rng.tensor([1, k]), bias = rng.tensor([n])
            for (op, transposed) in [("MatMul", false), ("Gemm", true)] {
                let values = rng.tensor(transposed ? [n, k] : [k, n]).floats()
                let (weight, source, bytes) = unalignedDeferredWeight(values, shape: transposed ? [n, k] : [k, n], log: ReleaseLog())
                defer { bytes.deallocate() }
                let storage = weight.storage
                let inputs: [Tensor?] = op == "Gemm" ? [a, weight, bias] : [a, weight]
                let node = OneNode.node(op, inputs, attributes: transposed ? ["transB": .int(1)] : [:])
                // A's type unknown, as for a symbolic batch size.
                let kernel = try KernelRegistry.factory(for: node)!(KernelBuildContext(node: node, inputTypes: [nil, weight.type] + (op == "Gemm" ? [bias.type] : []),
                                                                                     constants: [nil, weight] + (op == "Gemm" ? [bias] : [])))
                let got = try kernel.run(inputs, context: ExecutionContext(threads: 2))[0]
                storage.withBytesInPlace { XCTAssertEqual($0, UnsafeRawPointer(source), "\(op): the weight's deferred copy was made") }
                let av = a.floats(), cv = bias.floats()
                let want: [Float] = (0..<n).map { j in
                    var s: Double = 0
                    for p in 0..<k { s += Double(av[p]) * Double(transposed ? values[j * k + p] : values[p * n + j]) }
                    return Float(s + (op == "Gemm" ? Double(cv[j]) : 0))
                }
                assertClose(got, want, shape: [1, n], op)
            }
        }
    }

    /// Runs `body` with the AVX-512 tier active (the only one that packs weights); skips elsewhere.
    private func inTheAVX512Tier(_ body: () throws -> Void) throws {
        guard KernelTier.available.contains(.avx512) else { throw XCTSkip("only the AVX-512 tier packs weights") }
        let previous = KernelTier.active
        KernelTier.force(.avx512)
        defer { KernelTier.force(previous) }
        try body()
    }

    /// A weight of `values` waiting to be copied out of bytes one past an aligned address (as a weight
    /// inside a mapped file may lie), its release calls counted in `log`; the source pointer, and the
    /// buffer to deallocate.
    private func unalignedDeferredWeight(_ values: [Float], shape: [Int], log: ReleaseLog)
        -> (Tensor, UnsafeMutableRawPointer, UnsafeMutableRawPointer) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: values.count * 4 + 1, alignment: 16)
        let source = buffer + 1
        values.withUnsafeBytes { source.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        let storage = TensorStorage(deferredCopyOf: source, byteCount: values.count * 4, owner: log) { pointer, count in
            log.record(pointer, count)
        }
        return (Tensor(dtype: .float32, shape: shape, storage: storage), source, buffer)
    }

    /// A symbolic batch size (a dynamic batch axis) does not keep a convolution on a small map from
    /// the turned-round product: only its channels and map decide.
    func testSymbolicBatchSizesStillTurnSmallMapsRound() throws {
        try inTheAVX512Tier {
            var rng = SeededGenerator(seed: 49)
            let w = mappedLike(rng.tensor([64, 32, 1, 1]))
            let node = OneNode.node("Conv", [nil, w])
            func kernel(_ x: ValueType) throws -> ConvKernel {
                try XCTUnwrap(KernelRegistry.factory(for: node)!(KernelBuildContext(node: node, inputTypes: [x, w.type],
                                                                                    constants: [nil, w])) as? ConvKernel)
            }
            XCTAssertNotNil(try kernel(ValueType(.float32, [.symbol("N"), 32, 7, 7])).transposedWeight)
            XCTAssertNil(try kernel(ValueType(.float32, [.symbol("N"), 32, .symbol("H"), 7])).transposedWeight)
            XCTAssertNil(try kernel(ValueType(.float32, [.symbol("N"), 32, 56, 56])).transposedWeight)
        }
    }

    /// A Keras kernel of a small-map convolution, permuted on first use, is packed for the
    /// turned-round product like a mapped ONNX weight: permuted for the packing alone and never kept
    /// (`makeResident` leaves it unmade), its values still readable, and the output the bits of the
    /// same convolution on the permuted weight in memory. (Before, a Keras kernel was never packed,
    /// and Keras MobileNetV2's small-map layers ran as per-call products, a third slower.)
    func testAKerasKernelIsPackedInPlaceForTheTurnedRoundProduct() throws {
        try inTheAVX512Tier {
            var rng = SeededGenerator(seed: 73)
            let x = rng.tensor([1, 40, 7, 7]), hwio = mappedLike(rng.tensor([1, 1, 40, 64])), b = Tensor(rng.floats(64), shape: [64])
            let oihw = try hwio.permuted([3, 2, 0, 1])
            let w = try hwio.deferredPermuted([3, 2, 0, 1])
            let node = OneNode.node("Conv", [x, w, b])
            let kernel = try XCTUnwrap(try OneNode.kernel(node, [x, w, b], constantInputs: true) as? ConvKernel)
            XCTAssertNotNil(kernel.transposedWeight, "the Keras kernel was not packed")
            try kernel.packWeights()
            w.storage.makeResident()
            XCTAssertTrue(w.storage.awaitsProducer, "the permuted kernel was kept beside its packed copy")
            let plain = try XCTUnwrap(try OneNode.kernel(node, [x, oihw, b]) as? ConvKernel)
            let got = try XCTUnwrap(kernel.run([x, w, b], activation: .relu, context: ExecutionContext(threads: 2)))[0]
            let want = try XCTUnwrap(plain.run([x, oihw, b], activation: .relu, context: ExecutionContext(threads: 2)))[0]
            XCTAssertEqual(got.floats().map(\.bitPattern), want.floats().map(\.bitPattern))
            XCTAssertEqual(w.floats(), oihw.floats())
        }
    }

    /// A weight whose bytes cannot be let go (owned, as a Keras kernel permuted while loading is)
    /// is not packed: the packed copy would be a second one.
    func testOwnedWeightsAreNotPacked() {
        var rng = SeededGenerator(seed: 47)
        XCTAssertNil(PackedGemmWeight(rng.tensor([40, 50]), name: "owned"))
        XCTAssertNotNil(PackedGemmWeight(mappedLike(rng.tensor([40, 50])), name: "mapped"))
    }

    /// A run that feeds another value in place of the weight the kernel was built with uses that value.
    func testAnotherValueInPlaceOfTheWeightIsUsed() throws {
        var rng = SeededGenerator(seed: 42)
        let a = rng.tensor([20, 40]), b = mappedLike(rng.tensor([40, 50])), other = mappedLike(rng.tensor([40, 50]))
        let node = OneNode.node("MatMul", [a, b])
        let kernel = try OneNode.kernel(node, [nil, b], constantInputs: true)
        _ = try kernel.run([a, b], context: ExecutionContext(threads: 1))
        let got = try kernel.run([a, other], context: ExecutionContext(threads: 1))
        let want = try OneNode.kernel(node, [a, other]).run([a, other], context: ExecutionContext(threads: 1))
        XCTAssertEqual(got[0].floats(), want[0].floats())
    }

    /// Packing reads a deferred copy's source bytes (here deliberately unaligned, as a weight inside
    /// a mapped file is) without making the copy, lets the source go, and `makeResident` then leaves
    /// the weight alone; reading the weight afterwards still gives its values.
    func testPackingMakesNoSecondCopy() throws {
        try inTheAVX512Tier {
            var rng = SeededGenerator(seed: 43)
            let (k, n) = (70, 40)
            let values = rng.tensor([k, n]).floats()
            let released = ReleaseLog()
            let (weight, source, bytes) = unalignedDeferredWeight(values, shape: [k, n], log: released)
            defer { bytes.deallocate() }
            let storage = weight.storage
            let packed = try XCTUnwrap(PackedGemmWeight(weight, name: "test"))
            XCTAssertNotNil(try packed.panels())
            storage.makeResident()
            storage.withBytesInPlace { XCTAssertEqual($0, UnsafeRawPointer(source), "packing or makeResident made the deferred copy") }
            XCTAssertEqual(released.calls, 1, "the source pages were not let go once")
            XCTAssertEqual(weight.floats(), values)
        }
    }

    /// `Engine.prepareWeights` on three threads, over a chain of products whose weights grow along
    /// it (as a CNN's do) and a bias after them: every weight a kernel packs is packed from where it
    /// lies (its pages let go, its deferred copy never made), the bias is copied into memory, and runs
    /// give the bits of an engine that packs on first use.
    func testPrepareWeightsPacksAndReadsEveryWeight() throws {
        try inTheAVX512Tier {
            var rng = SeededGenerator(seed: 50)
            let widths = [8, 16, 40, 64, 200, 300, 256]
            let x = rng.tensor([2, widths[0]])
            let values = (0 ..< widths.count - 1).map { rng.tensor([widths[$0], widths[$0 + 1]]).floats() }
            let biasValues = rng.tensor([widths.last!]).floats()
            var buffers: [UnsafeMutableRawPointer] = []
            defer { for b in buffers { b.deallocate() } }
            func model() -> (Model, [(TensorStorage, UnsafeMutableRawPointer, ReleaseLog)]) {
                var initializers: [String: Tensor] = [:], sources: [(TensorStorage, UnsafeMutableRawPointer, ReleaseLog)] = []
                var nodes: [Node] = []
                for (i, v) in values.enumerated() {
                    let log = ReleaseLog()
                    let (w, source, buffer) = unalignedDeferredWeight(v, shape: [widths[i], widths[i + 1]], log: log)
                    buffers.append(buffer)
                    sources.append((w.storage, source, log))
                    initializers["w\(i)"] = w
                    nodes.append(Node(name: "mm\(i)", opType: "MatMul", inputs: [i == 0 ? "x" : "y\(i - 1)", "w\(i)"], outputs: ["y\(i)"]))
                }
                let log = ReleaseLog()
                let (bias, source, buffer) = unalignedDeferredWeight(biasValues, shape: [widths.last!], log: log)
                buffers.append(buffer)
                sources.append((bias.storage, source, log))
                initializers["b"] = bias
                nodes.append(Node(name: "bias", opType: "Add", inputs: ["y\(values.count - 1)", "b"], outputs: ["out"]))
                let graph = Graph(name: "chain", nodes: nodes, inputs: [ValueInfo(name: "x", type: x.type)],
                                  outputs: [ValueInfo(name: "out", type: ValueType(.float32, nil))], initializers: initializers)
                return (Model(graph: graph, format: .onnx, path: "", layout: .nchw), sources)
            }
            let (prepared, sources) = model()
            let engine = try Engine(model: prepared, options: EngineOptions(threads: 3))
            try engine.prepareWeights()
            for (i, (storage, source, log)) in sources.enumerated() {
                // Packing lets the source pages go, and so does making the copy.
                XCTAssertEqual(log.calls, 1, i < values.count ? "weight \(i) was not packed" : "the bias was not read into memory")
                storage.withBytesInPlace { bytes in
                    if i < values.count {
                        XCTAssertEqual(bytes, UnsafeRawPointer(source), "weight \(i) was copied instead of packed where it lies")
                    } else {
                        XCTAssertNotEqual(bytes, UnsafeRawPointer(source), "the bias was not read into memory")
                    }
                }
            }
            let got = try engine.run(inputs: ["x": x], tensors: ["out"])["out"]!
            let want = try Engine(model: model().0, options: EngineOptions(threads: 3)).run(inputs: ["x": x], tensors: ["out"])["out"]!
            XCTAssertEqual(got.floats().map(\.bitPattern), want.floats().map(\.bitPattern))
        }
    }

    /// The packed panels equal for B read row by row and for B stored transposed, at any alignment.
    func testPackingTransposedWeightsGivesTheSamePanels() {
        var rng = SeededGenerator(seed: 44)
        for (k, n) in [(1, 1), (5, 31), (300, 70), (16, 64), (17, 32), (33, 97), (48, 33)] {
            let b = rng.tensor([k, n]).floats()
            var bt = [Float](repeating: 0, count: k * n)
            for p in 0..<k { for j in 0..<n { bt[j * k + p] = b[p * n + j] } }
            let floats = strata_sgemm_packed_floats(Int32(k), Int32(n))
            var plain = [Float](repeating: .nan, count: floats), transposed = [Float](repeating: .nan, count: floats)
            var unaligned = [Float](repeating: .nan, count: floats)
            strata_sgemm_pack_b(Int32(k), Int32(n), b, n, 1, &plain)
            strata_sgemm_pack_b(Int32(k), Int32(n), bt, 1, k, &transposed)
            // Bᵀ one byte past an aligned address, as a weight inside a mapped file may lie.
            let shifted = UnsafeMutableRawPointer.allocate(byteCount: k * n * 4 + 1, alignment: 64)
            defer { shifted.deallocate() }
            bt.withUnsafeBytes { (shifted + 1).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            strata_sgemm_pack_b(Int32(k), Int32(n), shifted + 1, 1, k, &unaligned)
            XCTAssertEqual(plain.map(\.bitPattern), transposed.map(\.bitPattern), "k \(k), n \(n)")
            XCTAssertEqual(plain.map(\.bitPattern), unaligned.map(\.bitPattern), "k \(k), n \(n), unaligned")
            // Panel p, row r, lane j holds B[r][32p + j], zero past n.
            for index in [0, floats / 2, floats - 1] {
                let panel = index / (k * 32), r = index % (k * 32) / 32, j = index % 32
                XCTAssertEqual(plain[index], 32 * panel + j < n ? b[r * n + 32 * panel + j] : 0, "k \(k), n \(n), float \(index)")
            }
        }
    }
}

/// `tensor`'s values in bytes that a storage borrows and may "let go" (a no-op here), as a weight
/// inside a mapped model file is: the weights `PackedGemmWeight` packs.
func mappedLike(_ tensor: Tensor) -> Tensor {
    let bytes = MappedLikeBytes(count: tensor.byteCount)
    bytes.pointer.copyMemory(from: tensor.rawPointer, byteCount: tensor.byteCount)
    let storage = TensorStorage(borrowing: bytes.pointer, byteCount: tensor.byteCount, owner: bytes) { _, _ in }
    return Tensor(dtype: tensor.dtype, shape: tensor.shape, storage: storage)
}

private final class MappedLikeBytes: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(count: Int) { pointer = .allocate(byteCount: Swift.max(count, 1), alignment: 64) }
    deinit { pointer.deallocate() }
}

/// Counts a storage's release calls.
private final class ReleaseLog: @unchecked Sendable {
    private(set) var calls = 0
    func record(_: UnsafeMutableRawPointer, _: Int) { calls += 1 }
}
