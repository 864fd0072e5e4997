import NIOCore

/// Where one connection is in its life, as SwiftNIO's HTTPServerPipelineHandler keeps it: every
/// transition is a method here, and the deadline that closes the connection is derived from the
/// state (``governingDeadline(hasBacklog:)``) rather than from flags.
///
///     new ──► readingHead ──complete head──► idle ──first bytes──► readingHead
///                 │  ▲                        │
///                 ▼  │ writable again         ▼ not writable (requests held back)
///               writing ──half-close──► draining ──answered──► closing ──► (closed)
///
/// Any state goes to `closing` on a request that ends the connection, a failed head, a
/// half-close with nothing held back, or the server quiescing.
enum ConnectionState: Equatable {
    /// Everything received was answered; the next request may begin until `until`, which each
    /// flush moves (the idle timeout).
    case idle(until: NIODeadline)
    /// A head is awaited and must be complete by `until`: on a new connection, or once part of a
    /// head arrived. The deadline does not move as bytes trickle in (slowloris).
    case readingHead(until: NIODeadline)
    /// Complete requests are held back until the channel is writable again (back-pressure), and
    /// reading is off. `headUntil`: the header deadline of a head begun before the pause, if any.
    case writing(headUntil: NIODeadline?)
    /// The client half-closed while requests were held back: they are still answered when the
    /// channel is writable, then the connection closes (RFC 9112 §9.6).
    case draining
    /// No further request is handled; the connection closes once everything written is sent.
    case closing

    /// Which deadline closes the connection, and when.
    enum Deadline: Equatable {
        /// Output is owed: closed once it has made no progress for the send timeout.
        case send
        /// Closed at this instant unless a complete head arrives first.
        case header(NIODeadline)
        /// Closed at this instant unless a request begins first.
        case idle(NIODeadline)
    }

    /// The deadline that governs now. A backlog in the channel means the client is not reading
    /// what it asked for: the send timeout governs whatever the state. Without one, the idle and
    /// header states have their own deadline; the others owe output or a close, which only the
    /// send timeout bounds.
    func governingDeadline(hasBacklog: Bool) -> Deadline {
        if hasBacklog { return .send }
        switch self {
        case .idle(let until): return .idle(until)
        case .readingHead(let until): return .header(until)
        case .writing, .draining, .closing: return .send
        }
    }

    /// Whether the channel should read: only while requests can be answered.
    var wantsToRead: Bool {
        switch self {
        case .idle, .readingHead: return true
        case .writing, .draining, .closing: return false
        }
    }

    /// Whether received requests are answered now (held back while writing, dropped once closing).
    var answersRequests: Bool {
        switch self {
        case .idle, .readingHead, .draining: return true
        case .writing, .closing: return false
        }
    }

    // MARK: Transitions

    /// A complete head was parsed: the next one has not begun. (Its idle deadline is set when the
    /// answer is flushed, see ``answersFlushed(at:idleTimeout:)``; until then the old one stands.)
    mutating func headCompleted() {
        switch self {
        case .readingHead(let until), .idle(let until): self = .idle(until: until)
        case .draining, .writing, .closing: break
        }
    }

    /// Bytes of a head that is not yet complete are held. Returns the new header deadline when
    /// one starts now (from idle); a head already begun keeps its deadline.
    mutating func headBegan(at now: NIODeadline, headerTimeout: TimeAmount) -> NIODeadline? {
        guard case .idle = self else { return nil }
        self = .readingHead(until: now + headerTimeout)
        return now + headerTimeout
    }

    /// Answers were flushed: an idle connection's idle period starts now.
    mutating func answersFlushed(at now: NIODeadline, idleTimeout: TimeAmount) {
        if case .idle = self { self = .idle(until: now + idleTimeout) }
    }

    /// The channel stopped being writable with requests still to answer: hold them back.
    mutating func pause() {
        switch self {
        case .idle: self = .writing(headUntil: nil)
        case .readingHead(let until): self = .writing(headUntil: until)
        case .writing, .draining, .closing: break
        }
    }

    /// The channel is writable again: reading resumes where it paused. Draining stays draining
    /// (the held-back answers are owed, then ``answered()`` closes). Returns whether it resumed.
    mutating func resume(at now: NIODeadline, idleTimeout: TimeAmount) -> Bool {
        switch self {
        case .writing(let headUntil?): self = .readingHead(until: headUntil)
        case .writing(nil): self = .idle(until: now + idleTimeout)
        case .draining: return true
        case .idle, .readingHead, .closing: return false
        }
        return true
    }

    /// The client half-closed. Returns true when the connection is to close now (nothing held
    /// back); while requests are held back it drains instead.
    mutating func inputClosed() -> Bool {
        switch self {
        case .idle, .readingHead:
            self = .closing
            return true
        case .writing:
            self = .draining
            return false
        case .draining, .closing: return false
        }
    }

    /// A draining connection answered everything held back: it closes.
    mutating func answered() {
        if case .draining = self { self = .closing }
    }

    /// No further request will be handled: the connection closes behind what it wrote.
    mutating func close() {
        self = .closing
    }
}
