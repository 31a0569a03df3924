import StrataCore
import XCTest

/// `Tensor(dtype:shape:behind:)`: the new bytes lie `TensorStorage.placementLag` below the source's
/// modulo 4 KB (to the cache line), whatever the source's address, and are a tensor like any other.
final class TensorPlacementTests: XCTestCase {
    func testPlacedTensorsSitTheLagBelowTheirSourceModuloFourKilobytes() throws {
        var sources: [Tensor] = []
        for count in [1, 15, 16, 1000, 4096, 75_264] {
            let source = try Tensor(dtype: .float32, shape: [count])
            sources.append(source)
            for shape in [[1], [3, 7], [384, 14, 14]] {
                let placed = try Tensor(dtype: .float32, shape: shape, behind: source)
                let from = Int(bitPattern: source.rawPointer), to = Int(bitPattern: placed.rawPointer)
                XCTAssertEqual((from - to) & 4095, TensorStorage.placementLag + (from & 63), "source of \(count), \(shape)")
                XCTAssertEqual(to % 64, 0, "aligned for SIMD")
                XCTAssertEqual(placed.shape, shape)
                // Every byte is the tensor's own: written and read back, then freed with the tensor.
                let p = placed.pointer(as: Float.self)
                for i in 0..<placed.count { p[i] = Float(i) }
                XCTAssertEqual(placed.floats(), (0..<placed.count).map(Float.init))
            }
        }
    }
}
