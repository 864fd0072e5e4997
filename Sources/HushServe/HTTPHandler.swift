import NIOCore

import Glibc

/// Serves HTTP/1.1 on one connection straight from bytes: parses request heads, answers each from
/// the file table with pre-rendered heads, and writes all answers of a read burst with one flush.
///
/// No HTTPServerPipelineHandler or HTTP codec sits in front: every response is synchronous (a
/// lookup plus writes), so pipelined requests are answered in order simply by handling them in
/// order. Back-pressure: while the channel is not writable no further request is handled and
/// `autoRead` is off, so a client that pipelines without reading cannot grow our buffers. (An
/// inbound-only handler: the channel's reads do not pass through it on every request.)
final class HTTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never

    /// Per-server settings, shared by every connection.
    struct Settings: Sendable {
        var responder: Responder
        /// How long a client may take to send a complete head once it began one.
        var headerTimeout: TimeAmount
        /// How long an idle keep-alive connection stays open.
        var idleTimeout: TimeAmount
        /// How long responses waiting in the channel may go without any byte being written.
        var sendTimeout: TimeAmount
        /// Where lines for the operator go (a file changed while being sent).
        var warn: @Sendable (String) -> Void
        /// Asks for a rescan of the root because the file at this path changed on disk.
        var reloadSoon: @Sendable (String) -> Void

        /// How often a connection with a backlog looks at its progress (and at the files it is
        /// sending): a quarter of the send timeout, at most a quarter second, which bounds how long
        /// NIO may retry sendfile on a file truncated mid-response.
        var sendCheckInterval: TimeAmount { .nanoseconds(min(sendTimeout.nanoseconds / 4, 250_000_000)) }
    }

    /// Bytes of small responses gathered before they are handed to the channel mid-burst.
    static let burstWriteThreshold = 64 << 10

    private let settings: Settings
    private let tables: TableBox
    private let accessLog: AccessLog?

    /// Received bytes not yet consumed (an incomplete head, or requests held back by back-pressure).
    private var buffered: ByteBuffer?
    /// Responses of the current burst not yet handed to the channel.
    private var pendingOut: ByteBuffer?
    /// Files whose bodies are handed to the channel and not yet sent, oldest first (each body
    /// holds a duplicated descriptor of its file).
    private var filesInFlight: [OpenFile] = []
    /// No further request will be handled; close once everything written has completed.
    private var closeAfterWrites = false
    /// The server is stopping: finish what is in flight, then close.
    private var draining = false
    /// Waiting for the channel to become writable again.
    private var pausedForWritability = false
    /// Whether the channel reads on its own (off while paused or closing).
    private var reading = true
    /// The client half-closed: no request follows those already received.
    private var inputClosed = false
    /// The previous burst's buffer, cleared and reused once the channel has written it, so a
    /// keep-alive request costs no buffer allocation.
    private var spareOut: ByteBuffer?
    /// Whether a head is awaited under the header deadline: on a new connection, or once an
    /// incomplete head has arrived. The deadline does not move as bytes trickle in.
    private var headStarted = true
    /// The header deadline while `headStarted`, else the idle deadline.
    private var deadline = NIODeadline.distantFuture
    /// When the output was last seen moving: the send timeout counts from here.
    private var lastProgress = NIODeadline.distantPast
    /// The output's progress at the last look; `.none` when there was no backlog.
    private var lastSeen = SendProgress.none
    private var timer: Scheduled<Void>?
    /// When the pending `timer` fires.
    private var timerAt = NIODeadline.distantFuture
    private var dateLine = DateLine()
    /// Reused for each request head's bytes.
    private var headScratch: [UInt8] = []
    private var client = "-"

    init(settings: Settings, tables: TableBox, accessLog: AccessLog?) {
        self.settings = settings
        self.tables = tables
        self.accessLog = accessLog
    }

    // MARK: Lifecycle

    func channelActive(context: ChannelHandlerContext) {
        if accessLog != nil { client = context.channel.remoteAddress?.ipAddress ?? "-" }
        // A new connection must send its first head within the header timeout (slowloris).
        lastProgress = context.eventLoop.now
        arm(context, at: lastProgress + settings.headerTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        buffered = nil
        pendingOut = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Resets, broken pipes and the like: nothing to answer, just let the connection go.
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // A half-close ends the requests, not the answers owed (RFC 9112 §9.6).
            inputClosed = true
            closeOnceAnswered(context)
            return
        }
        guard event is ChannelShouldQuiesceEvent else { return context.fireUserInboundEventTriggered(event) }
        draining = true
        closeAfterWrites = true
        updateReading(context)
        // Anything written is still queued in the channel: close behind it, not over it.
        if !burstHasWrites { closeBehindWrites(context) }
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard !closeAfterWrites else { return }
        if var earlier = buffered.take() {
            earlier.writeBuffer(&incoming)
            incoming = earlier
        }
        handleRequests(context, &incoming)
        updateReading(context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Last handler in the pipeline: nothing after it wants the event.
        flushBurst(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, pausedForWritability {
            pausedForWritability = false
            if var input = buffered.take() { handleRequests(context, &input) }
            flushBurst(context)
            updateReading(context)
            closeOnceAnswered(context)
        }
        context.fireChannelWritabilityChanged()
    }

    /// After a half-close, once no complete request is held back: closes behind the answers.
    private func closeOnceAnswered(_ context: ChannelHandlerContext) {
        guard inputClosed, !pausedForWritability, !closeAfterWrites else { return }
        // What is left is an incomplete head that can no longer complete.
        buffered = nil
        closeAfterWrites = true
        updateReading(context)
        if burstHasWrites { flushBurst(context) } else { closeBehindWrites(context) }
    }

    /// Reads only while requests can be answered: not while paused for writability, nor once
    /// the connection is to close.
    private func updateReading(_ context: ChannelHandlerContext) {
        let wanted = !pausedForWritability && !closeAfterWrites && !inputClosed
        guard wanted != reading, context.channel.isActive else { return }
        reading = wanted
        try? context.channel.syncOptions?.setOption(.autoRead, value: wanted)
    }

    /// Answers every complete request in `input`, in order; what cannot be answered yet (an
    /// incomplete head, or requests held back by back-pressure) is kept in `buffered`.
    private func handleRequests(_ context: ChannelHandlerContext, _ input: inout ByteBuffer) {
        guard !closeAfterWrites else { return }
        guard !pausedForWritability else {
            buffered = input
            return
        }
        let table = tables.current
        while input.readableBytes > 0 {
            if !context.channel.isWritable {
                pausedForWritability = true
                break
            }
            let parsed = input.withUnsafeReadableBytes { RequestParser.parse($0, reusing: &headScratch) }
            switch parsed {
            case .incomplete:
                break
            case .failure(let failure):
                // Framing is lost: answer, then close (RFC 9112 §2.2 lets a server close on errors).
                let status = Status(failure)
                _ = emit(.status(status), isHead: false, connection: .close, context)
                accessLog?.recordUnparsed(client: client, status: status.code)
                closeAfterWrites = true
                input.clear()
                continue
            case .complete(let request, let consumed):
                input.moveReaderIndex(forwardBy: consumed)
                headStarted = false
                let responder = settings.responder
                var reply = headScratch.withUnsafeBytes { responder.reply(to: request, head: $0, table: table) }
                if let file = reply.fileOnDisk, file.changedOnDisk() {
                    // Rewritten in place since it was hashed: its ETag and length describe other
                    // bytes. Refuse until the rescan the server now starts (RFC 9110 §15.6.4).
                    reply = .status(.serviceUnavailable)
                    settings.reloadSoon(file.name)
                }
                var keepAlive = request.keepAlive && !draining
                // A request body is not read; closing is the safe way not to misread it as a request.
                if let length = request.contentLength, length > 0 { keepAlive = false }
                if case .status(let status, _) = reply, status.closesConnection { keepAlive = false }
                let connection: ResponseWriter.ConnectionHeader =
                    !keepAlive ? .close : (request.versionMinor == 0 ? .keepAlive : .none)
                let bytes = emit(reply, isHead: request.method == .head, connection: connection, context)
                accessLog?.record(client: client, method: headScratch[request.methodText], target: headScratch[request.target],
                                  versionMinor: request.versionMinor, status: reply.code, bytes: bytes)
                if !keepAlive {
                    closeAfterWrites = true
                    input.clear()
                }
                continue
            }
            break
        }
        if input.readableBytes > 0, !closeAfterWrites {
            if !pausedForWritability, !headStarted {
                // The deadline for this head starts now and does not move as bytes trickle in.
                headStarted = true
                arm(context, at: context.eventLoop.now + settings.headerTimeout)
            }
            input.discardReadBytes()
            buffered = input
        }
    }

    /// Renders a reply into the burst's buffer, writing it out first when a body follows
    /// separately. Returns the body length, for the log.
    private func emit(_ reply: Reply, isHead: Bool, connection: ResponseWriter.ConnectionHeader, _ context: ChannelHandlerContext) -> Int {
        var out = pendingOut ?? reusableBuffer(context)
        pendingOut = nil
        burstHasWrites = true
        let (tail, bytes) = ResponseWriter.write(reply, isHead: isHead, connection: connection, dateLine: dateLine.current(), into: &out)
        switch tail {
        case .none where out.readableBytes >= Self.burstWriteThreshold:
            // Hand big bursts to the channel now: its writability then accounts for them, so a
            // client pipelining without reading is paused instead of growing this buffer.
            context.write(Self.outbound(.byteBuffer(out)), promise: nil)
        case .none:
            pendingOut = out
        case .buffer(let body):
            context.write(Self.outbound(.byteBuffer(out)), promise: nil)
            context.write(Self.outbound(.byteBuffer(body)), promise: nil)
            keepSpare(out)
        case .file(let file, let offset, let length):
            // Cork while a head and its file go out in two system calls (writev, then sendfile),
            // so the head and the file's last partial segment do not leave as separate small
            // packets (what nginx's tcp_nopush does); uncorked once the file is sent.
            setCork(true, context)
            context.write(Self.outbound(.byteBuffer(out)), promise: nil)
            let copy = dup(file.descriptor)
            guard copy >= 0 else {
                // Out of descriptors: the head promised a body we cannot send; end the connection.
                closeAfterWrites = true
                return 0
            }
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
            let region = FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + length)
            let written = context.eventLoop.makePromise(of: Void.self)
            filesInFlight.append(file)
            written.futureResult.assumeIsolated().whenComplete { _ in
                try? handle.close()
                self.filesInFlight.removeFirst()
                if self.filesInFlight.isEmpty { self.setCork(false, context) }
            }
            context.write(Self.outbound(.fileRegion(region)), promise: written)
        }
        return bytes
    }

    private var burstHasWrites = false
    private var corked = false

    private static let cork = ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: TCP_CORK))

    private func setCork(_ on: Bool, _ context: ChannelHandlerContext) {
        guard on != corked, context.channel.isActive else { return }
        corked = on
        try? context.channel.syncOptions?.setOption(Self.cork, value: on ? 1 : 0)
    }

    /// The spare buffer cleared (no allocation once the channel has released it), or a new one.
    private func reusableBuffer(_ context: ChannelHandlerContext) -> ByteBuffer {
        guard var buffer = spareOut.take() else { return context.channel.allocator.buffer(capacity: 1024) }
        buffer.clear()
        return buffer
    }

    /// Keeps a small written buffer for the next burst (large ones are let go, so an idle
    /// connection holds at most a few KiB).
    private func keepSpare(_ buffer: ByteBuffer) {
        if buffer.capacity <= 8 << 10 { spareOut = buffer }
    }

    /// Hands the burst to the channel with one flush. Only a burst after which the connection
    /// closes carries a promise; keep-alive bursts cost no allocation beyond their buffer.
    private func flushBurst(_ context: ChannelHandlerContext) {
        guard burstHasWrites else { return }
        burstHasWrites = false
        if let out = pendingOut {
            pendingOut = nil
            context.write(Self.outbound(.byteBuffer(out)), promise: nil)
            keepSpare(out)
        }
        // Every flush counts as progress, and the idle deadline moves with every response:
        // the timer notices when it fires.
        let now = context.eventLoop.now
        lastProgress = now
        if closeAfterWrites {
            closeBehindWrites(context)
        } else {
            context.flush()
            if !headStarted { deadline = now + settings.idleTimeout }
        }
        // Only answers that did not leave with the flush (two cheap checks on the hot path).
        if !filesInFlight.isEmpty || !context.channel.isWritable { watchBacklog(context, now) }
    }

    /// Flushes, then closes once everything written so far has been sent.
    private func closeBehindWrites(_ context: ChannelHandlerContext) {
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(Self.outbound(.byteBuffer(ByteBuffer())), promise: done)
        done.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    @inline(__always)
    private static func outbound(_ data: IOData) -> NIOAny { NIOAny(data) }

    // MARK: Timeouts

    /// Which deadline governs the connection, derived from its state in this one place.
    private enum Phase {
        /// Responses wait in the channel for a client that reads slowly or not at all: closed
        /// after the send timeout without progress.
        case sending(SendProgress)
        /// A head is awaited: closed at the header deadline.
        case header
        /// Everything asked was answered and written: closed at the idle deadline.
        case idle
    }

    private func phase(_ context: ChannelHandlerContext) -> Phase {
        let progress = SendProgress.of(context.channel)
        if progress.pending > 0 || !filesInFlight.isEmpty { return .sending(progress) }
        return headStarted ? .header : .idle
    }

    /// Starts watching a backlog the flush left: notes its progress, so the first look can tell
    /// whether it moved, and makes that look come within a check interval (a file truncated
    /// under sendfile must not spin until an idle deadline a minute away).
    private func watchBacklog(_ context: ChannelHandlerContext, _ now: NIODeadline) {
        lastSeen = SendProgress.of(context.channel)
        let look = now + settings.sendCheckInterval
        guard timerAt > look else { return }
        timer?.cancel()
        schedule(context, at: look)
    }

    /// Sets the header deadline. The timer is scheduled only when none is pending or the pending
    /// one fires later (the idle deadline of a reused connection); a timer that fires early
    /// re-arms itself for the current deadline, so moving a deadline per request costs no
    /// timer operation.
    private func arm(_ context: ChannelHandlerContext, at newDeadline: NIODeadline) {
        deadline = newDeadline
        guard let pending = timer else { return schedule(context, at: newDeadline) }
        if timerAt > newDeadline {
            pending.cancel()
            schedule(context, at: newDeadline)
        }
    }

    /// Schedules the timer at `when`, or sooner: never more than a send timeout ahead, because a
    /// response flushed meanwhile may back up and its send timeout counts from that flush.
    private func schedule(_ context: ChannelHandlerContext, at when: NIODeadline) {
        timerAt = min(when, context.eventLoop.now + settings.sendTimeout)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: timerAt) {
            self.timer = nil
            self.deadlineReached(context)
        }
    }

    private func deadlineReached(_ context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let now = context.eventLoop.now
        switch phase(context) {
        case .sending(let progress):
            if let file = filesInFlight.first(where: { $0.changedOnDisk() }) {
                // Truncated or rewritten mid-response: the rest cannot match the head sent, and
                // sendfile at a premature end of file returns 0 forever, which NIO retries in a
                // busy loop. End the response short; the client sees it incomplete.
                settings.warn("hush: \(file.name) changed on disk while being sent; connection closed")
                settings.reloadSoon(file.name)
                context.close(promise: nil)
                return
            }
            if progress != lastSeen {
                // Bytes left or were acknowledged, or answers joined, since the last look. A small
                // backlog the flush did not watch is seen here first: when it last moved is
                // unknown, so it counts as progress (it is closed at most a send timeout later).
                lastProgress = now
                lastSeen = progress
            }
            if now >= lastProgress + settings.sendTimeout {
                accessLog?.recordSendTimeout(client: client)
                context.close(promise: nil)
                return
            }
            schedule(context, at: min(lastProgress + settings.sendTimeout, now + settings.sendCheckInterval))
        case .header, .idle:
            if lastSeen != .none {
                // The backlog drained since the last look: the idle period starts about now.
                lastSeen = .none
                if !headStarted { deadline = max(deadline, now + settings.idleTimeout) }
            }
            if now >= deadline {
                context.close(promise: nil)
                return
            }
            schedule(context, at: deadline)
        }
    }
}
