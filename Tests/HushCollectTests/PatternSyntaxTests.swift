import XCTest

@testable import HushCollect

/// The pattern compiler refuses what Python's `re` refuses, rather than reading it as something else.
final class PatternSyntaxTests: XCTestCase {
    /// Found by the pattern fuzz target: a quantifier with nothing before it was taken as a
    /// literal (`?#iefix` matched the text "?#iefix"), where Python says "nothing to repeat".
    func testQuantifierWithNothingToRepeatIsAnError() {
        for source in ["?#iefix", "*a", "+", "a|*b", "(?:*)", "(?P<x>?)"] {
            XCTAssertThrowsError(try BacktrackingPattern(source, ignoreCase: false), source)
        }
        for source in ["a*?", "a{0,1}b", "\\?#iefix", "[?*+]"] {
            XCTAssertNoThrow(try BacktrackingPattern(source, ignoreCase: false), source)
        }
    }
}
