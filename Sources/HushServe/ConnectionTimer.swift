import NIOCore

/// The one timer of a connection, and what it decides when it fires.
///
/// The deadline itself lives in the ``ConnectionState``; this keeps when the timer is due and how
/// the output has moved. Moving a deadline later (the idle deadline, on every response) costs no
/// timer operation: a timer that fires early looks at the state and re-arms for the current
/// deadline. Only an earlier deadline (a header deadline, a backlog to watch) reschedules.
struct ConnectionTimer {
    /// The timeouts it enforces.
    struct Timeouts {
        var header: TimeAmount
        var idle: TimeAmount
        var send: TimeAmount

        /// How often a connection with a backlog looks at its progress (and at the files it is
        /// sending): a quarter of the send timeout, at most a quarter second, which bounds how long
        /// NIO may retry sendfile on a file truncated mid-response.
        var sendCheckInterval: TimeAmount { .nanoseconds(min(send.nanoseconds / 4, 250_000_000)) }
    }

    /// What to do when the timer fires.
    enum Verdict: Equatable {
        /// Close: the governing deadline passed. `sendTimedOut` when it was the send timeout.
        case close(sendTimedOut: Bool)
        /// Look again at this instant.
        case recheck(at: NIODeadline)
    }

    let timeouts: Timeouts
    private var scheduled: Scheduled<Void>?
    /// When the pending timer fires; `distantFuture` when none is pending.
    private(set) var firesAt = NIODeadline.distantFuture
    /// When the output was last seen moving: the send timeout counts from here.
    private(set) var lastProgress: NIODeadline
    /// The output's progress at the last look; `.none` when there was no backlog.
    private(set) var lastSeen = SendProgress.none

    init(timeouts: Timeouts, now: NIODeadline) {
        self.timeouts = timeouts
        self.lastProgress = now
    }

    /// Answers were flushed: that counts as progress.
    mutating func flushed(at now: NIODeadline) {
        lastProgress = now
    }

    /// Decides, when the timer fires at `now`, from the state and the output's progress. A
    /// backlog that drained since the last look starts the idle period about now, so `state`'s
    /// idle deadline may move later.
    mutating func fired(
        state: inout ConnectionState,
        progress: SendProgress,
        hasFilesInFlight: Bool,
        now: NIODeadline
    ) -> Verdict {
        switch state.governingDeadline(hasBacklog: progress.pending > 0 || hasFilesInFlight) {
        case .send:
            if progress != lastSeen {
                // Bytes left or were acknowledged, or answers joined, since the last look. A small
                // backlog the flush did not watch is seen here first: when it last moved is
                // unknown, so it counts as progress (it is closed at most a send timeout later).
                lastProgress = now
                lastSeen = progress
            }
            if now >= lastProgress + timeouts.send { return .close(sendTimedOut: true) }
            return .recheck(at: min(lastProgress + timeouts.send, now + timeouts.sendCheckInterval))
        case .header(let deadline), .idle(let deadline):
            var deadline = deadline
            if lastSeen != .none {
                // The backlog drained since the last look: the idle period starts about now.
                lastSeen = .none
                if case .idle(let until) = state {
                    deadline = max(until, now + timeouts.idle)
                    state = .idle(until: deadline)
                }
            }
            return now >= deadline ? .close(sendTimedOut: false) : .recheck(at: deadline)
        }
    }

    /// Starts watching a backlog a flush left: notes its progress, so the first look can tell
    /// whether it moved. Returns when that look must come at the latest (within a check interval:
    /// a file truncated under sendfile must not spin until an idle deadline a minute away).
    mutating func watchBacklog(_ progress: SendProgress, now: NIODeadline) -> NIODeadline {
        lastSeen = progress
        return now + timeouts.sendCheckInterval
    }

    /// Makes the timer fire no later than `deadline`: scheduled when none is pending or the
    /// pending one fires later; otherwise left alone (it re-arms itself when it fires).
    mutating func due(by deadline: NIODeadline, on loop: EventLoop, _ fire: @escaping () -> Void) {
        guard firesAt > deadline || scheduled == nil else { return }
        scheduled?.cancel()
        schedule(at: deadline, on: loop, fire)
    }

    /// Schedules the timer at `when`, or sooner: never more than a send timeout ahead, because a
    /// response flushed meanwhile may back up and its send timeout counts from that flush.
    mutating func schedule(at when: NIODeadline, on loop: EventLoop, _ fire: @escaping () -> Void) {
        firesAt = min(when, loop.now + timeouts.send)
        scheduled = loop.assumeIsolated().scheduleTask(deadline: firesAt) { fire() }
    }

    /// The timer fired: none is pending until the next ``schedule(at:on:_:)``.
    mutating func didFire() {
        scheduled = nil
        firesAt = .distantFuture
    }

    mutating func cancel() {
        scheduled?.cancel()
        scheduled = nil
        firesAt = .distantFuture
    }
}
