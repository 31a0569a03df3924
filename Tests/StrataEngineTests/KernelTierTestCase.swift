import XCTest
@testable import StrataEngine

/// A test case for kernels with C hot loops: `forEachKernelTier` runs a test's body once in each
/// kernel tier this CPU runs (generic first), so those tests cover every tier on any machine, and
/// a failure names the tier it happened in.
class KernelTierTestCase: XCTestCase {
    private var tier: KernelTier?

    /// Runs `body` in every available kernel tier, then goes back to the tier that was active; an
    /// error thrown by `body` fails the test (and ends the loop).
    func forEachKernelTier(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        let previous = KernelTier.active
        defer {
            tier = nil
            KernelTier.force(previous)
        }
        for tier in KernelTier.available {
            self.tier = tier
            KernelTier.force(tier)
            do {
                try body()
            } catch {
                XCTFail("\(error)", file: file, line: line)
                return
            }
        }
    }

    override func recordFailure(withDescription description: String, inFile filePath: String, atLine lineNumber: Int,
                                expected: Bool) {
        let prefix = tier.map { "[\($0.rawValue) kernels] " } ?? ""
        super.recordFailure(withDescription: prefix + description, inFile: filePath, atLine: lineNumber, expected: expected)
    }
}
