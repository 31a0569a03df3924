import StrataCore
import StrataExport
import XCTest
@testable import StrataCommands

final class InputBindingTests: CommandTestCase {
    func graph(_ names: [String]) -> Graph {
        Graph(inputs: names.map { ValueInfo(name: $0, type: ValueType(.float32, [.known(1)])) })
    }

    func write(_ name: String, _ value: Float) throws -> String {
        let path = scratch + "/" + name
        try NPYFile.write(Tensor([value], shape: [1]), to: path)
        return path
    }

    func testNamedAndPositionalArgumentsBind() throws {
        let a = try write("a.npy", 1), b = try write("b.npy", 2), c = try write("c.npy", 3)
        let binding = try InputBinding(arguments: [a, "z=" + c, b], graph: graph(["x", "y", "z"]))
        XCTAssertEqual(binding.bound.map(\.info.name), ["x", "y", "z"])
        XCTAssertEqual(binding.bound.map { $0.tensor.floats()[0] }, [1, 2, 3])
        XCTAssertEqual(binding.bound.map(\.file), [a, b, c])
    }

    func testAPathWithAnEqualsSignIsAFileWhenItExists() throws {
        let odd = try write("k=v.npy", 7)
        let binding = try InputBinding(arguments: [odd], graph: graph(["x"]))
        XCTAssertEqual(binding.bound.first?.tensor.floats(), [7])
    }

    func testDuplicateNamedInput() throws {
        let a = try write("a.npy", 1)
        XCTAssertThrowsError(try InputBinding(arguments: ["x=" + a, "x=" + a], graph: graph(["x"]))) { error in
            XCTAssertEqual((error as? StrataError)?.description, "input 'x' is given more than once")
        }
    }
}
