import XCTest
import StrataCore
@testable import StrataEngine

/// Attribute values and shapes no valid model has are refused at the node, by the type rule and by the
/// kernel alike, instead of computing windows wholly in the padding, dividing by zero or overflowing.
final class HostileAttributeTests: XCTestCase {
    func kernelError(_ op: String, _ inputs: [Tensor?], _ attributes: [String: Attribute]) -> String? {
        do {
            _ = try runLinearKernel(op, inputs: inputs, attributes: attributes)
            XCTFail("\(op) ran")
            return nil
        } catch {
            return String(describing: error)
        }
    }

    func typeError(_ op: String, _ inputs: [ValueType?], _ attributes: [String: Attribute]) -> String? {
        do {
            _ = try inferLinearTypes(op, inputs: inputs, attributes: attributes)
            XCTFail("\(op) inferred types")
            return nil
        } catch {
            return String(describing: error)
        }
    }

    func testPoolPadsMustBeSmallerThanTheKernel() throws {
        let x = try Tensor(dtype: .float32, shape: [1, 1, 4, 4], zeroed: true)
        for op in ["MaxPool", "AveragePool"] {
            let attributes: [String: Attribute] = ["kernel_shape": .ints([2, 2]), "pads": .ints([0, 2, 0, 0])]
            let expected = "node 'node' (\(op)), attribute 'pads': [0, 2, 0, 0] must be smaller than the kernel [2, 2] on every axis"
            XCTAssertEqual(kernelError(op, [x], attributes), expected)
            XCTAssertEqual(typeError(op, [x.type], attributes), expected)
        }
        // One less is a valid window that still touches the input.
        XCTAssertNoThrow(try runLinearKernel("MaxPool", inputs: [x], attributes: ["kernel_shape": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]))
    }

    func testConvTransposeOutputPaddingMustBeSmallerThanStrideOrDilation() throws {
        let x = try Tensor(dtype: .float32, shape: [1, 1, 3, 3], zeroed: true)
        let w = try Tensor(dtype: .float32, shape: [1, 1, 2, 2], zeroed: true)
        let attributes: [String: Attribute] = ["strides": .ints([2, 2]), "output_padding": .ints([2, 0])]
        let expected = "node 'node' (ConvTranspose), attribute 'output_padding': [2, 0] must be smaller than the stride [2, 2] or the dilation [1, 1] on every axis"
        XCTAssertEqual(kernelError("ConvTranspose", [x, w], attributes), expected)
        XCTAssertEqual(typeError("ConvTranspose", [x.type, w.type], attributes), expected)
        // Smaller than the dilation is enough (PyTorch's rule).
        XCTAssertNoThrow(try runLinearKernel("ConvTranspose", inputs: [x, w], attributes: [
            "strides": .ints([1, 1]), "dilations": .ints([3, 3]), "output_padding": .ints([2, 2])]))
    }

    func testGlobalMaxPoolOverAnEmptyMapIsRefused() throws {
        let x = try Tensor(dtype: .float32, shape: [1, 2, 0, 0])
        let expected = "node 'node' (GlobalMaxPool): the maximum over an empty spatial extent [0, 0] does not exist"
        XCTAssertEqual(kernelError("GlobalMaxPool", [x], [:]), expected)
        XCTAssertEqual(typeError("GlobalMaxPool", [x.type], [:]), expected)
    }

    func testSpatialSizesThatWouldOverflowTheWindowArithmeticAreRefused() {
        let huge = ValueType(.float32, [1, 1, .known(Int.max / 2), 4])
        XCTAssertEqual(typeError("MaxPool", [huge], ["kernel_shape": .ints([2, 2]), "strides": .ints([3, 3])]),
                       "node 'node' (MaxPool): spatial size 4611686018427387903 is beyond what Strata supports (1099511627776)")
        let w = ValueType(.float32, [1, 1, 3, 3])
        XCTAssertEqual(typeError("ConvTranspose", [huge, w], ["strides": .ints([1024, 1024])]),
                       "node 'node' (ConvTranspose): spatial size 4611686018427387903 is beyond what Strata supports (1099511627776)")
    }

    func testAllocationsBeyondTheMemoryLimitAreErrorsNotTraps() throws {
        let previous = MemoryLimit.set(1 << 20)
        defer { MemoryLimit.set(previous) }
        XCTAssertThrowsError(try Tensor(dtype: .float32, shape: [1 << 40])) { error in
            XCTAssertEqual(String(describing: error),
                           "float32[1099511627776] needs 4.0 TiB, more than the memory limit of 1.0 MiB (--max-memory changes the limit)")
        }
        XCTAssertThrowsError(try Tensor(dtype: .float32, shape: [1 << 62, 4])) { error in
            XCTAssertEqual(String(describing: error), "float32[4611686018427387904, 4] has more elements than a 64-bit size can count")
        }
        XCTAssertThrowsError(try Tensor(dtype: .float32, shape: [0, 1 << 62, 1 << 62])) { error in
            XCTAssertEqual(String(describing: error), "float32[0, 4611686018427387904, 4611686018427387904] has more elements than a 64-bit size can count")
        }
        XCTAssertThrowsError(try Tensor(dtype: .float32, shape: [3, -1]))
        // A kernel whose output would not fit reports the node.
        let x = try Tensor(dtype: .float32, shape: [1, 1, 300, 300], zeroed: true)
        let w = try Tensor(dtype: .float32, shape: [8, 1, 1, 1], zeroed: true)
        XCTAssertEqual(kernelError("Conv", [x, w], [:])?.hasPrefix("float32[1, 8, 300, 300] needs 2.7 MiB, more than the memory limit of 1.0 MiB"), true)
    }

    /// An outer product far larger than its operands is refused before Einsum allocates it (a Swift array
    /// of that size would have stopped the process).
    func testEinsumOutputsBeyondTheMemoryLimitAreErrors() throws {
        let previous = MemoryLimit.set(1 << 30)
        defer { MemoryLimit.set(previous) }
        let v = try Tensor(dtype: .float32, shape: [1 << 20], zeroed: true)
        XCTAssertEqual(kernelError("Einsum", [v, v], ["equation": .string("i,j->ij")]),
                       "node 'node' (Einsum): the output [1048576, 1048576] of float32 needs 4.0 TiB, more than the memory limit of "
                       + "1.0 GiB (--max-memory changes the limit)")
        let one = try Tensor(dtype: .float32, shape: [1, 1], zeroed: true)
        let wide = try Tensor(dtype: .float32, shape: [1 << 20], zeroed: true)
        XCTAssertEqual(kernelError("Einsum", [one, wide, wide], ["equation": .string("ij,i,j->ij")]),
                       "node 'node' (Einsum): the output [1048576, 1048576] of float32 needs 4.0 TiB, more than the memory limit of "
                       + "1.0 GiB (--max-memory changes the limit)")
    }

    func testTheLimitCountsLiveTensorsAndGivesBackFreedOnes() throws {
        let previous = MemoryLimit.set(MemoryLimit.inUse + 3 << 20)
        defer { MemoryLimit.set(previous) }
        var a: Tensor? = try Tensor(dtype: .uint8, shape: [2 << 20])
        XCTAssertThrowsError(try Tensor(dtype: .uint8, shape: [2 << 20])) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("uint8[2097152] needs 2.0 MiB, but "), "\(error)")
        }
        XCTAssertNotNil(a)
        a = nil
        XCTAssertNoThrow(try Tensor(dtype: .uint8, shape: [2 << 20]))
    }
}
