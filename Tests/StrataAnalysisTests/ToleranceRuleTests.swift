import StrataAnalysis
import XCTest

/// `ToleranceRule.violation`: the elementwise rule every reference comparison shares.
final class ToleranceRuleTests: XCTestCase {
    func testAgreementWithinEachTerm() {
        let want = [10.0, -2.0, 0.0, 1.0]
        // atol 1e-5, atolScale 1e-4 × max|want| = 1e-3, rtol 1e-3 × |want|.
        let rule = ToleranceRule(rtol: 1e-3, atol: 1e-5, atolScale: 1e-4)
        XCTAssertNil(rule.violation([10.0 + 0.011 - 1e-9, -2.0 - 0.003 + 1e-9, 0.001 + 1e-5 - 1e-9, 1.0], want))
        let v = rule.violation([10.0, -2.0, 1.1 * 1.01e-3, 1.0], want)
        XCTAssertEqual(v?.index, 2)
        XCTAssertEqual(v?.failing, 1)
        XCTAssertEqual(v?.scale, 10)
        XCTAssertEqual(v?.excess ?? 0, 1.1, accuracy: 1e-9)
    }

    func testWorstElementIsNamed() {
        let rule = TolerancePolicy.kernel
        let v = rule.violation([1.1, 2.0, 3.5, 4.2], [1.0, 2.0, 3.0, 4.0])
        XCTAssertEqual(v?.index, 2)
        XCTAssertEqual(v?.failing, 3)
        XCTAssertEqual(v?.count, 4)
        XCTAssertEqual(v?.got, 3.5)
        XCTAssertEqual(v?.want, 3.0)
    }

    func testSpecialValues() {
        let rule = TolerancePolicy.reference
        XCTAssertNil(rule.violation([.nan, .infinity, -.infinity], [.nan, .infinity, -.infinity]))
        XCTAssertEqual(rule.violation([1, .infinity], [1, -.infinity])?.index, 1)
        XCTAssertEqual(rule.violation([.nan], [1])?.excess, .infinity)
        XCTAssertEqual(rule.violation([1], [.nan])?.excess, .infinity)
        XCTAssertNotNil(ToleranceRule(rtol: 1e-3, nanEqual: false).violation([.nan], [.nan]))
        // max|want| is taken over finite values only (an infinite one would allow any error).
        XCTAssertEqual(rule.violation([.infinity, 1.5], [.infinity, 1])?.index, 1)
    }

    func testCountMismatchFails() {
        let v = TolerancePolicy.reference.violation([1, 2], [1, 2, 3])
        XCTAssertEqual(v?.index, 2)
        XCTAssertEqual(v?.excess, .infinity)
    }
}
