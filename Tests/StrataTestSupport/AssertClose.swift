import StrataAnalysis
import StrataCore
import XCTest

/// Asserts that `got` agrees with the reference `want` under `rule` (a `TolerancePolicy` rule or the
/// test's own); a failure names how many values differ and the worst element.
public func assertClose(_ got: [Double], _ want: [Double], _ rule: ToleranceRule, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    guard let violation = rule.violation(got, want) else { return }
    let prefix = message().isEmpty ? "" : message() + ": "
    if got.count != want.count {
        XCTFail("\(prefix)\(got.count) values, the reference has \(want.count)", file: file, line: line)
    } else {
        XCTFail(prefix + violation.description, file: file, line: line)
    }
}

/// `assertClose` of float32 values against float64 references: |got − want| ≤ atol + rtol·|want|
/// (defaults: `TolerancePolicy.kernel`), NaN equal to NaN.
public func assertClose(_ got: [Float], _ want: [Double], rtol: Double = TolerancePolicy.kernel.rtol, atol: Double = TolerancePolicy.kernel.atol,
                        _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    assertClose(got.map(Double.init), want, ToleranceRule(rtol: rtol, atol: atol), message(), file: file, line: line)
}

/// `assertClose` of a tensor against float32 references, after checking its shape is `shape`.
public func assertClose(_ got: Tensor, _ want: [Float], shape: [Int], rtol: Double = TolerancePolicy.kernel.rtol,
                        atol: Double = TolerancePolicy.kernel.atol, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.shape, shape, "shape " + message(), file: file, line: line)
    guard got.shape == shape else { return }
    assertClose(got.floats().map(Double.init), want.map(Double.init), ToleranceRule(rtol: rtol, atol: atol), message(), file: file, line: line)
}

/// `assertClose` of one value: |a − b| ≤ rtol·|b|; two nils agree, one nil fails.
public func assertClose(_ a: Double?, _ b: Double?, rtol: Double, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    guard let a, let b else {
        XCTAssertEqual(a == nil, b == nil, "one of \(String(describing: a)), \(String(describing: b)) is nil: \(message())", file: file, line: line)
        return
    }
    assertClose([a], [b], ToleranceRule(rtol: rtol), message(), file: file, line: line)
}
