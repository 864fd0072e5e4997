import XCTest

@testable import HushCollect

/// Issue 13: parallel phases hand on plain arrays in index order, whatever order they ran in.
final class ParallelTests: XCTestCase {
    func testParallelMapReturnsResultsInIndexOrder() throws {
        let order = Array((0..<200).reversed())
        let squares = try parallelMap(order, count: 200, jobs: 4, cancellation: CancellationFlag()) {
            i throws(CollectError) in i * i
        }
        XCTAssertEqual(squares, (0..<200).map { $0 * $0 })
    }

    func testParallelMapRethrowsTheFailure() {
        XCTAssertThrowsError(
            try parallelMap(Array(0..<50), count: 50, jobs: 2, cancellation: CancellationFlag()) {
                i throws(CollectError) in
                if i == 17 { throw .interrupted }
                return i
            }
        )
    }

    func testACancelledRunStopsAsInterrupted() {
        let flag = CancellationFlag()
        flag.cancel()
        XCTAssertThrowsError(
            try parallelMap(Array(0..<10), count: 10, jobs: 2, cancellation: flag) { i throws(CollectError) in i }
        ) { error in
            XCTAssertEqual(error as? CollectError, .interrupted)
        }
    }
}
