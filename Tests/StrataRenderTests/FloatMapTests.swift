import XCTest
@testable import StrataRender

/// Splitting activation blocks into channel maps, and the block means used to show large maps.
final class FloatMapTests: XCTestCase {
    func testChannelsFromBothLayouts() throws {
        // value = 100·row + 10·column + channel, stored both ways.
        let h = 2, w = 3, c = 4
        let last = (0..<(h * w * c)).map { i in Float(100 * (i / (w * c)) + 10 * ((i / c) % w) + i % c) }
        var first = [Float](repeating: 0, count: last.count)
        for i in last.indices { first[(i % c) * h * w + i / c] = last[i] }
        for (values, layout) in [(last, FloatMap.ChannelLayout.channelsLast), (first, .channelsFirst)] {
            let maps = try FloatMap.channels(of: values, height: h, width: w, channels: c, layout: layout)
            XCTAssertEqual(maps.count, c)
            for (channel, map) in maps.enumerated() {
                for row in 0..<h {
                    for column in 0..<w {
                        XCTAssertEqual(map[row, column], Float(100 * row + 10 * column + channel), "\(layout) c\(channel) (\(row), \(column))")
                    }
                }
            }
        }
    }

    func testBlockMeansSkipNaNAndKeepPartialBlocks() throws {
        let map = try FloatMap(height: 3, width: 5, values: [
            1, 2, 3, 4, 5,
            6, .nan, 8, 9, 10,
            .nan, .nan, 13, 14, 15,
        ])
        let reduced = map.blockMeans(rows: 2, columns: 2)
        XCTAssertEqual(reduced.height, 2)
        XCTAssertEqual(reduced.width, 3)
        XCTAssertEqual(reduced.values[0], (1 + 2 + 6) / 3)
        XCTAssertEqual(reduced.values[1], (3 + 4 + 8 + 9) / 4)
        XCTAssertEqual(reduced.values[2], (5 + 10) / 2)
        XCTAssertTrue(reduced.values[3].isNaN, "a block of NaN stays NaN")
        XCTAssertEqual(reduced.values[4], (13 + 14) / 2)
        XCTAssertEqual(reduced.values[5], 15)
        XCTAssertEqual(map.finiteRange, 1...15)
        XCTAssertNil(try FloatMap(height: 1, width: 2, values: [.nan, .infinity]).finiteRange)
    }
}
