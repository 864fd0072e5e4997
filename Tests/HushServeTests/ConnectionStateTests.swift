import NIOCore
import XCTest

@testable import HushServe

/// The connection's states, their transitions and the deadline each one answers to, without a
/// channel (the handler tests drive the same through an EmbeddedChannel).
final class ConnectionStateTests: XCTestCase {
    private func at(_ seconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(seconds) * 1_000_000_000) }
    private let timeouts = ConnectionTimer.Timeouts(header: .seconds(10), idle: .seconds(60), send: .seconds(20))

    func testEachStateAnswersToItsOwnDeadline() {
        XCTAssertEqual(ConnectionState.idle(until: at(70)).governingDeadline(hasBacklog: false), .idle(at(70)))
        XCTAssertEqual(ConnectionState.readingHead(until: at(15)).governingDeadline(hasBacklog: false), .header(at(15)))
        XCTAssertEqual(ConnectionState.writing(headUntil: at(15)).governingDeadline(hasBacklog: false), .send)
        XCTAssertEqual(ConnectionState.writing(headUntil: nil).governingDeadline(hasBacklog: false), .send)
        XCTAssertEqual(ConnectionState.draining.governingDeadline(hasBacklog: false), .send)
        XCTAssertEqual(ConnectionState.closing.governingDeadline(hasBacklog: false), .send)
    }

    func testABacklogPutsEveryStateUnderTheSendTimeout() {
        let states: [ConnectionState] = [
            .idle(until: at(70)), .readingHead(until: at(15)), .writing(headUntil: nil), .draining, .closing,
        ]
        for state in states { XCTAssertEqual(state.governingDeadline(hasBacklog: true), .send, "\(state)") }
    }

    func testOnlyIdleAndReadingStatesReadAndOnlyWritingAndClosingHoldRequestsBack() {
        XCTAssertEqual(
            [
                ConnectionState.idle(until: at(1)), .readingHead(until: at(1)), .writing(headUntil: nil), .draining,
                .closing,
            ]
            .map { [$0.wantsToRead, $0.answersRequests] },
            [[true, true], [true, true], [false, false], [false, true], [false, false]]
        )
    }

    func testAHeadKeepsItsDeadlineWhileBytesTrickleAndACompleteOneMakesTheConnectionIdle() {
        var state = ConnectionState.idle(until: at(70))
        XCTAssertEqual(state.headBegan(at: at(5), headerTimeout: .seconds(10)), at(15))
        XCTAssertEqual(state, .readingHead(until: at(15)))
        XCTAssertNil(state.headBegan(at: at(9), headerTimeout: .seconds(10)), "more bytes do not move the deadline")
        XCTAssertEqual(state, .readingHead(until: at(15)))
        state.headCompleted()
        XCTAssertEqual(state, .idle(until: at(15)), "the idle deadline is set when the answer is flushed")
        state.answersFlushed(at: at(12), idleTimeout: .seconds(60))
        XCTAssertEqual(state, .idle(until: at(72)))
    }

    func testFlushingDoesNotMoveAHeaderDeadline() {
        var state = ConnectionState.readingHead(until: at(15))
        state.answersFlushed(at: at(12), idleTimeout: .seconds(60))
        XCTAssertEqual(state, .readingHead(until: at(15)))
    }

    func testAPauseResumesWhereItStopped() {
        var state = ConnectionState.readingHead(until: at(15))
        state.pause()
        XCTAssertEqual(state, .writing(headUntil: at(15)))
        XCTAssertTrue(state.resume(at: at(30), idleTimeout: .seconds(60)))
        XCTAssertEqual(state, .readingHead(until: at(15)), "a head begun before the pause keeps its deadline")
        state = .idle(until: at(70))
        state.pause()
        XCTAssertEqual(state, .writing(headUntil: nil))
        XCTAssertTrue(state.resume(at: at(30), idleTimeout: .seconds(60)))
        XCTAssertEqual(state, .idle(until: at(90)))
        XCTAssertFalse(state.resume(at: at(31), idleTimeout: .seconds(60)), "nothing to resume")
    }

    func testAHalfCloseClosesAtOnceUnlessAnswersAreHeldBack() {
        var reading = ConnectionState.readingHead(until: at(15))
        XCTAssertTrue(reading.inputClosed())
        XCTAssertEqual(reading, .closing)
        var writing = ConnectionState.writing(headUntil: nil)
        XCTAssertFalse(writing.inputClosed())
        XCTAssertEqual(writing, .draining)
        writing.pause()
        XCTAssertEqual(writing, .draining, "pausing again while draining stays draining")
        XCTAssertTrue(writing.resume(at: at(30), idleTimeout: .seconds(60)))
        XCTAssertEqual(writing, .draining, "the held-back answers are still owed")
        writing.answered()
        XCTAssertEqual(writing, .closing)
        XCTAssertFalse(writing.inputClosed())
        XCTAssertEqual(writing, .closing)
    }

    func testTheTimerClosesAtTheHeaderAndIdleDeadlinesAndRechecksBefore() {
        var timer = ConnectionTimer(timeouts: timeouts, now: at(0))
        var state = ConnectionState.readingHead(until: at(10))
        XCTAssertEqual(
            timer.fired(state: &state, progress: .none, hasFilesInFlight: false, now: at(4)),
            .recheck(at: at(10))
        )
        XCTAssertEqual(
            timer.fired(state: &state, progress: .none, hasFilesInFlight: false, now: at(10)),
            .close(sendTimedOut: false)
        )
        state = .idle(until: at(70))
        XCTAssertEqual(
            timer.fired(state: &state, progress: .none, hasFilesInFlight: false, now: at(69)),
            .recheck(at: at(70))
        )
        XCTAssertEqual(
            timer.fired(state: &state, progress: .none, hasFilesInFlight: false, now: at(70)),
            .close(sendTimedOut: false)
        )
    }

    func testTheTimerClosesABacklogThatDoesNotMoveForTheSendTimeout() {
        var timer = ConnectionTimer(timeouts: timeouts, now: at(0))
        var state = ConnectionState.idle(until: at(60))
        let stuck = SendProgress(pending: 1000, acked: 5)
        XCTAssertEqual(timer.watchBacklog(stuck, now: at(0)), at(0) + timeouts.sendCheckInterval)
        XCTAssertEqual(
            timer.fired(state: &state, progress: stuck, hasFilesInFlight: false, now: at(5)),
            .recheck(at: at(5) + timeouts.sendCheckInterval)
        )
        // Progress (bytes acknowledged) restarts the count.
        let moved = SendProgress(pending: 1000, acked: 900)
        XCTAssertEqual(
            timer.fired(state: &state, progress: moved, hasFilesInFlight: false, now: at(15)),
            .recheck(at: at(15) + timeouts.sendCheckInterval)
        )
        XCTAssertEqual(
            timer.fired(state: &state, progress: moved, hasFilesInFlight: false, now: at(34)),
            .recheck(at: at(34) + timeouts.sendCheckInterval)
        )
        XCTAssertEqual(
            timer.fired(state: &state, progress: moved, hasFilesInFlight: false, now: at(35) - .milliseconds(100)),
            .recheck(at: at(35)),
            "never later than the send deadline"
        )
        XCTAssertEqual(
            timer.fired(state: &state, progress: moved, hasFilesInFlight: false, now: at(35)),
            .close(sendTimedOut: true)
        )
    }

    func testAFileInFlightCountsAsABacklog() {
        var timer = ConnectionTimer(timeouts: timeouts, now: at(0))
        var state = ConnectionState.idle(until: at(1))
        XCTAssertEqual(
            timer.fired(state: &state, progress: .none, hasFilesInFlight: true, now: at(2)),
            .recheck(at: at(2) + timeouts.sendCheckInterval),
            "not closed at the idle deadline while a file is sent"
        )
    }

    func testABacklogThatDrainedStartsTheIdlePeriodAboutNow() {
        var timer = ConnectionTimer(timeouts: timeouts, now: at(0))
        var state = ConnectionState.idle(until: at(60))
        _ = timer.watchBacklog(SendProgress(pending: 1000, acked: 0), now: at(0))
        XCTAssertEqual(
            timer.fired(state: &state, progress: .none, hasFilesInFlight: false, now: at(50)),
            .recheck(at: at(110))
        )
        XCTAssertEqual(state, .idle(until: at(110)))
        var head = ConnectionState.readingHead(until: at(10))
        _ = timer.watchBacklog(SendProgress(pending: 1000, acked: 0), now: at(0))
        XCTAssertEqual(
            timer.fired(state: &head, progress: .none, hasFilesInFlight: false, now: at(10)),
            .close(sendTimedOut: false),
            "a header deadline does not move"
        )
    }
}
