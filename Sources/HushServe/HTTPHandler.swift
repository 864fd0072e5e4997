import NIOCore

/// Serves HTTP/1.1 on one connection straight from bytes: parses request heads, answers each from
/// the file table with pre-rendered heads, and writes all answers of a read burst with one flush.
///
/// No HTTPServerPipelineHandler or HTTP codec sits in front: every response is synchronous (a
/// lookup plus writes), so pipelined requests are answered in order simply by handling them in
/// order. Back-pressure: while the channel is not writable no further request is handled and
/// `autoRead` is off, so a client that pipelines without reading cannot grow our buffers. (An
/// inbound-only handler: the channel's reads do not pass through it on every request.)
///
/// Where the connection stands is one ``ConnectionState``; its deadline is enforced by one
/// ``ConnectionTimer``; the answers of a read burst are gathered by a ``BurstWriter``.
final class HTTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never

    /// Per-server settings, shared by every connection.
    struct Settings: Sendable {
        var responder: Responder
        /// How long a client may take to send a complete head once it began one (`header`), an
        /// idle keep-alive connection stays open (`idle`), and responses waiting in the channel
        /// may go without any byte being written (`send`).
        var timeouts: ConnectionTimer.Timeouts
        /// Where lines for the operator go (a file changed while being sent).
        var warn: @Sendable (String) -> Void
        /// Asks for a rescan of the root because the file at this path changed on disk.
        var reloadSoon: @Sendable (String) -> Void
        /// The `--cors-origin` allow-list, when there is one.
        var corsOrigins: CORSOrigins?
        /// Whether health checks are written to the access log.
        var logHealthChecks: Bool
        /// Whose forwarding headers name the client in the access log.
        var clientAddress: ClientAddressResolver
    }

    private let settings: Settings
    private let tables: TableBox
    private let accessLog: AccessLog?
    /// This connection's event loop's counters, when metrics are on.
    private let counters: LoopCounters?
    /// Why the connection is closing, once the server decided it (the client's doing otherwise).
    private var closeReason: CloseReason?

    /// Where the connection stands; every change of it goes through its transition methods.
    private var state = ConnectionState.readingHead(until: .distantFuture)
    private var timer: ConnectionTimer
    private let writer = BurstWriter()
    /// Received bytes not yet consumed (an incomplete head, or requests held back by back-pressure).
    private var buffered: ByteBuffer?
    /// Whether the channel reads on its own (off while paused or closing).
    private var reading = true
    private var dateLine = DateLine()
    /// Reused for each request head's bytes.
    private var headScratch: [UInt8] = []
    /// The peer as the access log names it; ``client`` per request when it is a trusted proxy.
    private var client = "-"
    private var peerIsTrustedProxy = false

    init(settings: Settings, tables: TableBox, accessLog: AccessLog?, counters: LoopCounters? = nil) {
        self.settings = settings
        self.tables = tables
        self.accessLog = accessLog
        self.counters = counters
        self.timer = ConnectionTimer(timeouts: settings.timeouts, now: .distantPast)
    }

    // MARK: Lifecycle

    func channelActive(context: ChannelHandlerContext) {
        if accessLog != nil {
            if case .unixDomainSocket = context.channel.remoteAddress {
                client = ClientAddressResolver.unixPeer
            } else {
                client = context.channel.remoteAddress?.ipAddress ?? "-"
            }
            peerIsTrustedProxy = settings.clientAddress.isEnabled && settings.clientAddress.trusts(client)
        }
        // A new connection must send its first head within the header timeout (slowloris).
        let now = context.eventLoop.now
        timer.flushed(at: now)
        state = .readingHead(until: now + settings.timeouts.header)
        timer.due(by: now + settings.timeouts.header, on: context.eventLoop) { self.timerFired(context) }
        counters?.opened += 1
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer.cancel()
        buffered = nil
        writer.discard()
        counters?.closed[(closeReason ?? .client).rawValue] += 1
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Resets, broken pipes and the like: nothing to answer, just let the connection go.
        closing(.error)
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // A half-close ends the requests, not the answers owed (RFC 9112 §9.6).
            if state.inputClosed() { closeWhenAnswered(context) }
            return
        }
        guard event is ChannelShouldQuiesceEvent else { return context.fireUserInboundEventTriggered(event) }
        guard state != .closing else { return }
        closing(.shutdown)
        state.close()
        updateReading(context)
        // Anything written is still queued in the channel: close behind it, not over it.
        if !writer.hasWrites { closeBehindWrites(context) }
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard state != .closing else { return }
        if var earlier = buffered.take() {
            earlier.writeBuffer(&incoming)
            incoming = earlier
        }
        _ = handleRequests(context, &incoming)
        updateReading(context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Last handler in the pipeline: nothing after it wants the event.
        flushBurst(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, state.resume(at: context.eventLoop.now, idleTimeout: settings.timeouts.idle) {
            var heldBack = false
            if var input = buffered.take() { heldBack = handleRequests(context, &input) }
            flushBurst(context)
            updateReading(context)
            if state == .draining, !heldBack {
                // Every answer owed after the half-close is written: close behind them.
                state.answered()
                closeWhenAnswered(context)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    /// Once no further request will be answered: drops what is left (an incomplete head that can
    /// no longer complete) and closes behind the answers.
    private func closeWhenAnswered(_ context: ChannelHandlerContext) {
        buffered = nil
        updateReading(context)
        if writer.hasWrites { flushBurst(context) } else { closeBehindWrites(context) }
    }

    /// Reads only while requests can be answered: not while paused for writability, nor once
    /// the connection is to close.
    private func updateReading(_ context: ChannelHandlerContext) {
        let wanted = state.wantsToRead
        guard wanted != reading, context.channel.isActive else { return }
        reading = wanted
        try? context.channel.syncOptions?.setOption(.autoRead, value: wanted)
    }

    /// Answers every complete request in `input`, in order; what cannot be answered yet (an
    /// incomplete head, or requests held back by back-pressure) is kept in `buffered`. Returns
    /// whether requests were held back because the channel is not writable.
    private func handleRequests(_ context: ChannelHandlerContext, _ input: inout ByteBuffer) -> Bool {
        guard state.answersRequests else {
            if state != .closing { buffered = input }
            return state != .closing
        }
        let table = tables.current
        var heldBack = false
        while input.readableBytes > 0 {
            if !context.channel.isWritable {
                state.pause()
                heldBack = true
                break
            }
            let parsed = input.withUnsafeReadableBytes { RequestParser.parse($0, reusing: &headScratch) }
            switch parsed {
            case .incomplete:
                break
            case .failure(let failure):
                // Framing is lost: answer, then close (RFC 9112 §2.2 lets a server close on errors).
                let status = Status(failure)
                let bytes = write(.status(status), isHead: false, connection: .close, context)
                accessLog?.recordUnparsed(client: client, status: status.code)
                counters?.request(status: status.code, coding: nil, bodyBytes: bytes)
                closing(.badRequest)
                state.close()
                input.clear()
                continue
            case .complete(let request, let consumed):
                input.moveReaderIndex(forwardBy: consumed)
                state.headCompleted()
                answer(request, table: table, context)
                if state == .closing { input.clear() }
                continue
            }
            break
        }
        if input.readableBytes > 0, state != .closing {
            // The deadline for this head starts now and does not move as bytes trickle in.
            if !heldBack,
                let deadline = state.headBegan(at: context.eventLoop.now, headerTimeout: settings.timeouts.header)
            {
                timer.due(by: deadline, on: context.eventLoop) { self.timerFired(context) }
            }
            input.discardReadBytes()
            buffered = input
        }
        return heldBack
    }

    /// Answers one parsed request: looks it up, checks the file it sends is still what was
    /// hashed, writes the response and logs it. Moves to closing when the connection must end.
    private func answer(_ request: RequestHead, table: FileTable, _ context: ChannelHandlerContext) {
        let responder = settings.responder
        var reply = headScratch.withUnsafeBytes { responder.reply(to: request, head: $0, table: table) }
        if let file = reply.fileOnDisk, file.changedOnDisk() {
            // Rewritten in place since it was hashed: its ETag and length describe other
            // bytes. Refuse until the rescan the server now starts (RFC 9110 §15.6.4).
            reply = .status(.serviceUnavailable)
            settings.reloadSoon(file.name)
        }
        var keepAlive = request.keepAlive
        // A request body is not read; closing is the safe way not to misread it as a request.
        if let length = request.contentLength, length > 0 { keepAlive = false }
        if !keepAlive { closing(.requested) }
        if case .status(let status, _) = reply, status.closesConnection {
            keepAlive = false
            closing(.badRequest)
        }
        var isHealthCheck = false
        if case .health(let draining) = reply {
            isHealthCheck = true
            // A checker that keeps its connection must still see the listener go away.
            if draining {
                keepAlive = false
                closing(.shutdown)
            }
        }
        let connection: ResponseWriter.ConnectionHeader =
            !keepAlive ? .close : (request.versionMinor == 0 ? .keepAlive : .none)
        var cors: ByteBuffer?
        if let origins = settings.corsOrigins {
            switch reply {
            case .full, .partial, .notModified:
                cors = headScratch.withUnsafeBytes { origins.line(forHead: $0) }
            default: break
            }
        }
        let bytes = write(reply, isHead: request.method == .head, connection: connection, cors: cors, context)
        if !isHealthCheck || settings.logHealthChecks {
            // Only behind a trusted proxy (and with a log) is the head read again, for its forwarding header.
            let forwarded =
                peerIsTrustedProxy
                ? headScratch.withUnsafeBytes { settings.clientAddress.client(peer: client, head: $0) } : client
            accessLog?.record(
                client: forwarded,
                peer: client,
                method: headScratch[request.methodText],
                target: headScratch[request.target],
                versionMinor: request.versionMinor,
                status: reply.code,
                bytes: bytes
            )
            counters?.request(status: reply.code, coding: reply.representation?.coding, bodyBytes: bytes)
        }
        if !keepAlive { state.close() }
    }

    /// Notes why the connection is to close; the first reason given is the one counted.
    @inline(__always)
    private func closing(_ reason: CloseReason) {
        if closeReason == nil { closeReason = reason }
    }

    /// Writes a reply into the burst; returns the body length, for the log.
    private func write(
        _ reply: Reply,
        isHead: Bool,
        connection: ResponseWriter.ConnectionHeader,
        cors: ByteBuffer? = nil,
        _ context: ChannelHandlerContext
    ) -> Int {
        let written = writer.write(
            reply,
            isHead: isHead,
            connection: connection,
            dateLine: dateLine.current(),
            cors: cors,
            context: context
        )
        switch written {
        case .bytes(let bytes):
            return bytes
        case .bodyUnsendable:
            // The head promised a body we cannot send: end the connection.
            closing(.error)
            state.close()
            return 0
        }
    }

    /// Hands the burst to the channel with one flush. Only a burst after which the connection
    /// closes carries a promise; keep-alive bursts cost no allocation beyond their buffer.
    private func flushBurst(_ context: ChannelHandlerContext) {
        // A connection that closes flushes behind its answers (``closeBehindWrites(_:)``).
        let closing = state == .closing
        guard writer.handOver(context, flush: !closing) else { return }
        // Every flush counts as progress, and the idle deadline moves with every response:
        // the timer notices when it fires.
        let now = context.eventLoop.now
        timer.flushed(at: now)
        if closing {
            closeBehindWrites(context)
        } else {
            state.answersFlushed(at: now, idleTimeout: settings.timeouts.idle)
        }
        // Only answers that did not leave with the flush (two cheap checks on the hot path).
        if !writer.filesInFlight.isEmpty || !context.channel.isWritable {
            let look = timer.watchBacklog(SendProgress.of(context.channel), now: now)
            timer.due(by: look, on: context.eventLoop) { self.timerFired(context) }
        }
    }

    /// Flushes, then closes once everything written so far has been sent.
    private func closeBehindWrites(_ context: ChannelHandlerContext) {
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(BurstWriter.outbound(.byteBuffer(ByteBuffer())), promise: done)
        done.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    // MARK: Timeouts

    private func timerFired(_ context: ChannelHandlerContext) {
        timer.didFire()
        guard context.channel.isActive else { return }
        let now = context.eventLoop.now
        let progress = SendProgress.of(context.channel)
        let hasBacklog = progress.pending > 0 || !writer.filesInFlight.isEmpty
        if state.governingDeadline(hasBacklog: hasBacklog) == .send,
            let file = writer.filesInFlight.first(where: { $0.changedOnDisk() })
        {
            // Truncated or rewritten mid-response: the rest cannot match the head sent, and
            // sendfile at a premature end of file returns 0 forever, which NIO retries in a
            // busy loop. End the response short; the client sees it incomplete.
            settings.warn("hush: \(file.name) changed on disk while being sent; connection closed")
            settings.reloadSoon(file.name)
            closing(.fileChanged)
            context.close(promise: nil)
            return
        }
        let governing = state.governingDeadline(hasBacklog: hasBacklog)
        switch timer.fired(state: &state, progress: progress, hasFilesInFlight: !writer.filesInFlight.isEmpty, now: now)
        {
        case .close(let sendTimedOut):
            if sendTimedOut { accessLog?.recordSendTimeout(client: client) }
            switch governing {
            case .send: closing(sendTimedOut ? .sendTimeout : .idleTimeout)
            case .header: closing(.headerTimeout)
            case .idle: closing(.idleTimeout)
            }
            context.close(promise: nil)
        case .recheck(let when):
            timer.schedule(at: when, on: context.eventLoop) { self.timerFired(context) }
        }
    }
}
