import Foundation
import StrataTestSupport
import XCTest
@testable import StrataRender

/// Seeded data and helpers shared by the render tests.
enum TestPictures {
    /// `count` maps that look like activations: smooth blobs plus a little noise, each channel
    /// with its own scale, ReLU-like (mostly ≥ 0).
    static func activations(count: Int, height: Int, width: Int, seed: UInt64 = 1) -> [FloatMap] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { c in
            let cx = Float(g.unitFloat()) * Float(width), cy = Float(g.unitFloat()) * Float(height)
            let radius = max(1, Float(max(height, width)) * (0.15 + 0.3 * g.unitFloat()))
            let gain = 0.5 + 3 * g.unitFloat()
            var values = [Float](repeating: 0, count: height * width)
            for y in 0..<height {
                for x in 0..<width {
                    let d2 = ((Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)) / (radius * radius)
                    values[y * width + x] = max(0, gain * (exp(-d2) - 0.15 + 0.2 * (g.unitFloat() - 0.5))) + Float(c % 3) * 0.01
                }
            }
            return try! FloatMap(height: height, width: width, values: values)
        }
    }

    /// Signed values centred on 0 (conv weights, gradients).
    static func signed(count: Int, height: Int, width: Int, seed: UInt64 = 2) -> [FloatMap] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let values = (0..<(height * width)).map { _ in (g.unitFloat() - 0.5) * 0.6 }
            return try! FloatMap(height: height, width: width, values: values)
        }
    }

    /// Writes `bytes` to `$STRATA_PICTURES_OUT/name` when that variable is set, so the pictures
    /// the tests draw can be looked at, or opened by Tools/check-pictures.py.
    static func keep(_ bytes: [UInt8], _ name: String) {
        guard let folder = ProcessInfo.processInfo.environment["STRATA_PICTURES_OUT"], !folder.isEmpty else { return }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name))
    }

    /// Width and height from a PNG's IHDR, after checking the signature and chunk header.
    static func pngSize(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> (width: Int, height: Int)? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count > 33, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            XCTFail("not a PNG with an IHDR chunk first", file: file, line: line)
            return nil
        }
        func be32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        XCTAssertEqual(be32(8), 13, "IHDR length", file: file, line: line)
        XCTAssertEqual(bytes[24], 8, "bit depth", file: file, line: line)
        XCTAssertEqual(bytes[25], 2, "colour type RGB", file: file, line: line)
        XCTAssertEqual(Array(bytes[(bytes.count - 8)..<(bytes.count - 4)]), Array("IEND".utf8), "ends with IEND", file: file, line: line)
        return (be32(16), be32(20))
    }
}
