import XCTest
import StrataCore
import StrataTestSupport
import CStrataKernels
@testable import StrataEngine

/// How products are cut among threads (`BlockedGemm.Tiles`, `BlockedGemm.transposedRowParts`): every value
/// in exactly one tile, tiles that share evenly, and the same bits whatever the cut.
final class LinearGemmTilingTests: KernelTierTestCase {
    func testEvenPartsCutTheOtherDimensionOnlyWhereTheThreadsShareUnevenly() {
        XCTAssertEqual(BlockedGemm.evenParts(of: 3, across: 17, threads: 2), 2, "three panels on two threads")
        XCTAssertEqual(BlockedGemm.evenParts(of: 5, across: 9, threads: 4), 4)
        XCTAssertEqual(BlockedGemm.evenParts(of: 6, across: 9, threads: 4), 2, "6 × 2 tiles share among 4")
        XCTAssertEqual(BlockedGemm.evenParts(of: 6, across: 9, threads: 2), 1, "already even")
        XCTAssertEqual(BlockedGemm.evenParts(of: 9, across: 9, threads: 2), 1, "many units: the last share is a little short")
        XCTAssertEqual(BlockedGemm.evenParts(of: 3, across: 1, threads: 2), 1, "nothing to cut")
        XCTAssertEqual(BlockedGemm.evenParts(of: 3, across: 5, threads: 1), 1)
    }

    /// Each tile list, cut into per-thread ranges as `parallelFor` cuts it, covers every value of
    /// the product once.
    func testTilesCoverEveryValueOnce() {
        for m in [1, 4, 12, 13, 49, 60, 96, 200] { for n in [1, 7, 32, 33, 196, 500] { for threads in [2, 3, 4, 8] {
            let panels = (n + 31) / 32, blocks = (m + 11) / 12
            for grid in [BlockedGemm.Tiles(panels: panels, blocks: BlockedGemm.evenParts(of: panels, across: blocks, threads: threads)),
                         BlockedGemm.Tiles(rows: m)] {
                var seen = [Int](repeating: 0, count: m * n)
                let chunk = (grid.count + threads - 1) / threads
                for start in stride(from: 0, to: grid.count, by: chunk) {
                    for tile in grid.tiles(start..<min(grid.count, start + chunk), m: m, n: n) {
                        for i in tile.rows { for j in tile.columns { seen[i * n + j] += 1 } }
                    }
                }
                XCTAssertEqual(Set(seen), [1], "m \(m), n \(n), \(threads) threads, \(grid)")
            }
        } } }
    }

    /// A split by rows gives the threads rows in fours, not blocks of 12: 80 rows on two threads are
    /// 40 and 40, not 48 and 32.
    func testRowsShareInFours() {
        let grid = BlockedGemm.Tiles(rows: 80)
        XCTAssertEqual(grid.count, 20)
        XCTAssertEqual(grid.tiles(0..<10, m: 80, n: 196).map(\.rows), [0..<40])
        XCTAssertEqual(grid.tiles(10..<20, m: 80, n: 196).map(\.rows), [40..<80])
        XCTAssertEqual(BlockedGemm.Tiles(rows: 66).tiles(16..<17, m: 66, n: 5).map(\.rows), [64..<66], "a last unit of two rows")
    }

    func testTransposedRowPartsAreWholeBlocks() {
        XCTAssertEqual(BlockedGemm.transposedRowParts(rows: 196, panels: 3, threads: 2).split, 2)
        XCTAssertEqual(BlockedGemm.transposedRowParts(rows: 196, panels: 3, threads: 2).rowsPerPart, 108, "9 blocks of 12")
        XCTAssertEqual(BlockedGemm.transposedRowParts(rows: 49, panels: 5, threads: 2).rowsPerPart, 28, "blocks of 7 on a 7 × 7 map")
        XCTAssertEqual(BlockedGemm.transposedRowParts(rows: 49, panels: 4, threads: 2).split, 1)
    }

    /// A transposed product is cut by rows where its pixels outnumber its channels (each thread then
    /// reads its own pixels of the input, and all of the smaller weight), by panels elsewhere.
    func testTransposedProductsCutTheirRowsWhereThePixelsOutnumberTheChannels() {
        XCTAssertTrue(BlockedGemm.splitsTransposedRows(rows: 196, columns: 64, threads: 2), "MobileNetV2's 384 → 64 projections")
        XCTAssertTrue(BlockedGemm.splitsTransposedRows(rows: 196, columns: 96, threads: 16))
        XCTAssertFalse(BlockedGemm.splitsTransposedRows(rows: 196, columns: 384, threads: 2), "its 64 → 384 expansions")
        XCTAssertFalse(BlockedGemm.splitsTransposedRows(rows: 49, columns: 960, threads: 2))
        XCTAssertFalse(BlockedGemm.splitsTransposedRows(rows: 196, columns: 64, threads: 1))
        XCTAssertFalse(BlockedGemm.splitsTransposedRows(rows: 60, columns: 32, threads: 8), "too few rows for the threads")
    }

    /// Which 1×1 convolutions on small maps take the transposed product (`ConvProblem.turnsRound`):
    /// those where the per-call GEMM's last panel wastes a larger share of the pixels than the
    /// transposed product's wastes of the channels, over sums at least 64 deep (measured in a C
    /// harness; see `turnsRound`). Only the AVX-512 tier has the transposed product.
    func testWhichPointwiseProductsTurnRound() {
        XCTAssertEqual(ConvProblem.lastPanelWaste(196), 12, "six panels and 4 columns in a 16-column half")
        XCTAssertEqual(ConvProblem.lastPanelWaste(144), 0)
        XCTAssertEqual(ConvProblem.lastPanelWaste(169), 7)
        XCTAssertEqual(ConvProblem.lastPanelWaste(36), 12)
        XCTAssertEqual(ConvProblem.lastPanelWaste(80), 0)
        XCTAssertEqual(ConvProblem.lastPanelWaste(256), 0)
        let cases: [(channels: Int, maps: Int, side: Int, turns: Bool)] = [
            (384, 64, 14, true), (576, 96, 14, true), (480, 80, 14, true),  // MobileNetV2, EfficientNet-B0
            (64, 384, 14, true), (512, 1024, 14, true), (512, 512, 14, true), (128, 64, 10, true),
            (32, 192, 14, false),  // too shallow
            (520, 36, 10, false), (480, 40, 14, false),  // a ragged last panel of channels wastes more
            (288, 96, 12, false), (384, 64, 16, false),  // 144, 256: no pixel wasted
            (64, 256, 7, true), (520, 36, 7, true),  // every product on a map of at most 64 pixels
            (1024, 256, 17, false),  // 289 pixels
        ]
        let available = strata_sgemm_packed_supported() != 0
        for c in cases {
            let turns = ConvProblem.turnsRound(channels: c.channels, maps: c.maps, kernel: [1, 1], strides: [1, 1], dilations: [1, 1],
                                               output: [c.side, c.side])
            XCTAssertEqual(turns, c.turns && available, "\(c.maps) × \(c.channels) × \(c.side * c.side), tier \(KernelTier.active)")
        }
    }

    /// Convolutions whose products the threads cut give one thread's bits: a 1×1 over 200 pixels into
    /// 60 channels (five row blocks, seven panels: rows cut in fours), transposed products of 1×1s
    /// into 96 and 64 channels on 14 × 14 maps and 48 on 10 × 13 (pixels cut in fours, every panel
    /// in each part), and more, with a bias.
    func testCutProductsKeepOneThreadsBits() throws {
        var rng = SeededGenerator(seed: 71)
        let cases: [(channels: Int, maps: Int, h: Int, w: Int)] = [(16, 60, 10, 20), (576, 96, 14, 14), (320, 160, 7, 7), (40, 36, 9, 9),
                                                                   (24, 800, 10, 20), (384, 64, 14, 14), (160, 48, 10, 13)]
        forEachKernelTier {
            for c in cases {
                // A weight as a mapped file holds it, so that small maps turn round (`mappedLike`).
                let x = rng.tensor([1, c.channels, c.h, c.w]), w = mappedLike(rng.tensor([c.maps, c.channels, 1, 1]))
                let b = rng.tensor([c.maps])
                // Kept alive, so that no cut run is handed its block with the right values already in it.
                let oneTensor = try OneNode.run("Conv", [x, w, b], threads: 1, constantInputs: true)[0]
                let one = oneTensor.floats()
                for threads in [2, 3] {
                    let cut = try OneNode.run("Conv", [x, w, b], threads: threads, constantInputs: true)[0].floats()
                    if let i = one.indices.first(where: { cut[$0].bitPattern != one[$0].bitPattern }) {
                        XCTFail("\(c), \(threads) threads: value \(i) is \(cut[i]), on one thread \(one[i])")
                    }
                }
                withExtendedLifetime(oneTensor) {}
            }
        }
    }
}
