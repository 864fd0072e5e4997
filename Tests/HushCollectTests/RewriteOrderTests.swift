import XCTest

@testable import HushCollect

/// Issue 13: the ready queue and cycle naming of the rewrite phase, without files.
final class RewriteOrderTests: XCTestCase {
    /// Runs the order to the end, level by level; the levels, or the cycle it stopped at.
    func levels(_ waiting: [Int: Set<Int>]) -> (levels: [[Int]], cycle: [Int]?) {
        var order = RewriteOrder(waiting: waiting)
        var levels: [[Int]] = []
        while !order.isEmpty {
            let ready = order.ready()
            if ready.isEmpty { return (levels, order.cycle()) }
            levels.append(ready)
            order.finished(ready)
        }
        return (levels, nil)
    }

    func testAChainIsRewrittenFromItsEndOneLevelAtATime() {
        // 0 imports 1, 1 imports 2, 2 references only final files.
        let result = levels([0: [1], 1: [2], 2: []])
        XCTAssertEqual(result.levels, [[2], [1], [0]])
        XCTAssertNil(result.cycle)
    }

    func testFilesWhoseReferencesAreFinalAreReadyTogetherInIndexOrder() {
        // 3 and 1 wait on 5 (already final: not waiting); 4 waits on both.
        let result = levels([4: [1, 3], 3: [5], 1: [5]])
        XCTAssertEqual(result.levels, [[1, 3], [4]])
    }

    func testADiamondWaitsForBothSides() {
        let result = levels([0: [1, 2], 1: [3], 2: [3], 3: []])
        XCTAssertEqual(result.levels, [[3], [1, 2], [0]])
    }

    func testAFileReferencingItselfIsACycleOfOne() {
        let result = levels([0: [], 7: [7]])
        XCTAssertEqual(result.levels, [[0]])
        XCTAssertEqual(result.cycle, [7])
    }

    func testACycleIsNamedInReferenceOrderWithoutTheFilesLeadingIntoIt() {
        // 0 → 2 → 5 → 3 → 2: the cycle is 2, 5, 3; 0 only leads into it; 9 waits behind it.
        let result = levels([0: [2], 2: [5], 5: [3], 3: [2], 9: [0], 4: []])
        XCTAssertEqual(result.levels, [[4]])
        XCTAssertEqual(result.cycle, [2, 5, 3])
    }

    func testTheLowestWaitingReferenceIsFollowed() {
        // 1 references 6 and 2; both lead back to 1: the walk takes 2.
        let order = RewriteOrder(waiting: [1: [6, 2], 2: [1], 6: [1]])
        XCTAssertEqual(order.ready(), [])
        XCTAssertEqual(order.cycle(), [1, 2])
    }

    func testNothingWaitingIsDoneAndHasNoCycle() {
        let order = RewriteOrder(waiting: [:])
        XCTAssertTrue(order.isEmpty)
        XCTAssertEqual(order.ready(), [])
        XCTAssertEqual(order.cycle(), [])
    }
}
