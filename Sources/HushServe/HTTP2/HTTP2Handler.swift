import Glibc
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Serves HTTP/2 on one connection, behind `NIOHTTP2Handler` (which owns the framing, HPACK,
/// stream states, flow control and the DoS limits): every request's HEADERS frame is answered at
/// once, on its stream, by the same ``Responder`` and ``ResponseWriter`` as HTTP/1.1.
///
/// It sees frames, not per-stream child channels: an answer is synchronous (a lookup and two
/// frame writes), so a channel and pipeline per stream would cost more than the answer. Bodies
/// go out as DATA frames holding the in-memory bytes or a file region; NIO sends them as the
/// client's flow-control windows allow (RFC 9113 §5.2). All answers of a read burst leave with
/// one flush.
///
/// Back-pressure as on HTTP/1.1: while the channel is not writable the socket is not read, so a
/// client sending requests without reading answers cannot grow our buffers.
final class HTTP2Handler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let settings: HTTPHandler.Settings
    private let tables: TableBox
    private let accessLog: AccessLog?
    private let watch: GoAwayWatch
    private var client = "-"
    private var heads = HTTP2ResponseHeads()
    /// Reused for each request's synthesised head and each response's rendered head.
    private var headScratch: [UInt8] = []
    private var rendered = ByteBuffer()
    /// The highest stream a request was answered on: client streams only grow (RFC 9113 §5.1.1),
    /// so HEADERS on a stream at or below it are trailers.
    private var lastStreamID = HTTP2StreamID.rootStream
    /// Streams NIO has open (created, not yet closed): responses held by flow control among them.
    private var openStreams = 0
    /// Streams closed so far: progress for the send timeout.
    private var closedStreams = 0
    private var wroteSinceFlush = false
    private var draining = false
    private var reading = true
    /// When the connection last had a request or a stream close: the idle timeout counts from here.
    private var lastActive = NIODeadline.now()
    private var timer: Scheduled<Void>?
    /// The output's progress at the timer's last look, and when it last moved.
    private var lastSeen = (progress: SendProgress.none, closed: 0)
    private var lastProgress = NIODeadline.now()
    /// The files whose DATA frames are written and not yet sent, by stream: the timer checks them,
    /// as HTTP/1.1's does, because sendfile at a premature end of file returns 0 forever.
    private var filesInFlight: [HTTP2StreamID: OpenFile] = [:]

    init(settings: HTTPHandler.Settings, tables: TableBox, accessLog: AccessLog?, watch: GoAwayWatch) {
        self.settings = settings
        self.tables = tables
        self.accessLog = accessLog
        self.watch = watch
    }

    /// NIO's frame-level configuration for a server with `configuration`.
    static func connectionConfiguration(_ configuration: HTTP2Configuration) -> NIOHTTP2Handler.ConnectionConfiguration
    {
        var c = NIOHTTP2Handler.ConnectionConfiguration()
        c.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: configuration.maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: configuration.maxHeaderListSize),
            HTTP2Setting(parameter: .initialWindowSize, value: configuration.initialWindowSize),
            // No server push from a static origin (RFC 9113 §8.4).
            HTTP2Setting(parameter: .enablePush, value: 0),
        ]
        c.headerBlockValidation = .enabled
        c.contentLengthValidation = .enabled
        c.maximumSequentialContinuationFrames = configuration.maxContinuationFrames
        c.maximumConnectionGlitches = configuration.maxGlitches
        c.controlFrameRateLimit.maximumCount = configuration.maxControlFramesPer30Seconds
        c.controlFrameRateLimit.windowLength = .seconds(30)
        return c
    }

    static func streamConfiguration(_ configuration: HTTP2Configuration) -> NIOHTTP2Handler.StreamConfiguration {
        var s = NIOHTTP2Handler.StreamConfiguration()
        s.streamResetFrameRateLimit.maximumCount = configuration.maxResetsPer30Seconds
        s.streamResetFrameRateLimit.windowLength = .seconds(30)
        return s
    }

    // MARK: Lifecycle

    /// Always added to an active connection (by ``ProtocolSniffer``), so this is where it starts.
    func handlerAdded(context: ChannelHandlerContext) {
        if accessLog != nil { client = context.channel.remoteAddress?.ipAddress ?? "-" }
        rendered = context.channel.allocator.buffer(capacity: 512)
        let now = NIODeadline.now()
        lastActive = now
        lastProgress = now
        arm(context, at: now + min(settings.timeouts.idle, settings.timeouts.send))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // NIO reports stream errors (a malformed request: it has reset that stream) and
        // connection errors (it has written GOAWAY) alike; only the latter, and I/O errors,
        // end the connection (RFC 9113 §5.4).
        if watch.sentErrorGoAway || error is IOError || error is ChannelError {
            context.flush()
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is NIOHTTP2StreamCreatedEvent {
            openStreams += 1
        } else if event is StreamClosedEvent {
            openStreams -= 1
            closedStreams += 1
            if openStreams == 0 {
                lastActive = NIODeadline.now()
                if draining { closeAfterFlush(context) }
            }
        } else if event is ChannelShouldQuiesceEvent {
            drain(context)
        } else if let event = event as? ChannelEvent, event == .inputClosed {
            // The client sends nothing more: finish the answers owed, then close.
            drain(context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Graceful stop (SIGTERM) or a half-close: GOAWAY naming the last stream answered
    /// (RFC 9113 §6.8), then close once every open stream has finished.
    private func drain(_ context: ChannelHandlerContext) {
        guard !draining else { return }
        draining = true
        let goAway = HTTP2Frame(
            streamID: .rootStream,
            payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil)
        )
        context.writeAndFlush(wrapOutboundOut(goAway), promise: nil)
        if openStreams == 0 { closeAfterFlush(context) }
    }

    /// Closes once what was written so far has left: a PING's write completes after the frames
    /// before it (control frames are not held by flow control; DATA of open streams would be,
    /// which is why this waits for those streams to close first).
    private func closeAfterFlush(_ context: ChannelHandlerContext) {
        let done = context.eventLoop.makePromise(of: Void.self)
        let ping = HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: 0), ack: false))
        context.writeAndFlush(wrapOutboundOut(ping), promise: done)
        done.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    // MARK: Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        // DATA (a request body) is dropped: no request to a static origin needs it, and the
        // stream is reset once answered. SETTINGS, PING, WINDOW_UPDATE, PRIORITY: NIO's.
        guard case .headers(let payload) = frame.payload else { return }
        let id = frame.streamID
        guard id > lastStreamID else { return }
        lastStreamID = id
        if draining {
            // After GOAWAY: not processed, so safe for the client to retry elsewhere (§8.7).
            context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(.refusedStream))), promise: nil)
        } else {
            answer(stream: id, headers: payload.headers, requestEnded: payload.endStream, context)
        }
        wroteSinceFlush = true
        if context.channel.isWritable == false { setReading(false, context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard wroteSinceFlush else { return }
        wroteSinceFlush = false
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { setReading(true, context) }
        context.fireChannelWritabilityChanged()
    }

    private func setReading(_ on: Bool, _ context: ChannelHandlerContext) {
        guard on != reading, context.channel.isActive else { return }
        reading = on
        try? context.channel.syncOptions?.setOption(.autoRead, value: on)
    }

    /// Answers one request: the same lookup, file check and rendering as ``HTTPHandler``, then
    /// a HEADERS frame and, unless the response has no content, one DATA frame.
    private func answer(
        stream id: HTTP2StreamID,
        headers: HPACKHeaders,
        requestEnded: Bool,
        _ context: ChannelHandlerContext
    ) {
        lastActive = NIODeadline.now()
        let table = tables.current
        var reply: Reply
        var request: RequestHead?
        switch HTTP2RequestHead.parse(headers, into: &headScratch) {
        case .success(let parsed):
            request = parsed
            let responder = settings.responder
            reply = headScratch.withUnsafeBytes { responder.reply(to: parsed, head: $0, table: table) }
        case .failure(let failure):
            // Malformed (RFC 9113 §8.1.1): a server may answer before ending the stream.
            reply = .status(Status(failure))
        }
        if let file = reply.fileOnDisk, file.changedOnDisk() {
            // As on HTTP/1.1: rewritten in place since it was hashed (RFC 9110 §15.6.4).
            reply = .status(.serviceUnavailable)
            settings.reloadSoon(file.name)
        }
        let isHead = request?.method == .head
        rendered.clear()
        _ = ResponseWriter.write(reply, isHead: true, connection: .none, dateLine: ByteBuffer(), into: &rendered)
        let fields = heads.headers(for: rendered, now: Int64(time(nil)))
        let body = isHead ? .empty : Self.body(of: reply)
        var bodyBytes = 0
        switch body {
        case .empty:
            writeHeaders(id, fields, endStream: true, context)
            if !requestEnded { reset(id, context) }
        case .unsendable:
            // Out of descriptors: the body cannot be sent; end this stream, not the connection.
            context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(.internalError))), promise: nil)
        case .data(let data, let file, let source):
            bodyBytes = data.readableBytes
            writeHeaders(id, fields, endStream: false, context)
            let frame = HTTP2Frame(streamID: id, payload: .data(.init(data: data, endStream: true)))
            guard file != nil || !requestEnded else {
                context.write(wrapOutboundOut(frame), promise: nil)
                break
            }
            let sent = context.eventLoop.makePromise(of: Void.self)
            if let source {
                // Look within a check interval, not at an idle deadline a minute away.
                if filesInFlight.isEmpty { arm(context, at: .now() + settings.timeouts.sendCheckInterval) }
                filesInFlight[id] = source
            }
            context.write(wrapOutboundOut(frame), promise: sent)
            sent.futureResult.assumeIsolated().whenComplete { result in
                try? file?.close()
                self.filesInFlight[id] = nil
                // The request still has a body coming that nobody reads: once the response is
                // sent, RST_STREAM NO_ERROR tells the client to stop sending it (RFC 9113 §8.1).
                if !requestEnded, case .success = result, context.channel.isActive {
                    self.reset(id, context)
                    context.flush()
                }
            }
        }
        if let accessLog {
            if let request {
                accessLog.record(
                    client: client,
                    method: headScratch[request.methodText],
                    target: headScratch[request.target],
                    versionMinor: 0,
                    status: reply.code,
                    bytes: bodyBytes,
                    http2: true
                )
            } else {
                accessLog.recordUnparsed(client: client, status: reply.code)
            }
        }
    }

    private func writeHeaders(
        _ id: HTTP2StreamID,
        _ fields: HPACKHeaders,
        endStream: Bool,
        _ context: ChannelHandlerContext
    ) {
        let frame = HTTP2Frame(streamID: id, payload: .headers(.init(headers: fields, endStream: endStream)))
        context.write(wrapOutboundOut(frame), promise: nil)
    }

    private func reset(_ id: HTTP2StreamID, _ context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(.noError))), promise: nil)
    }

    /// What follows a response's HEADERS frame.
    private enum Content {
        /// Nothing: HEADERS ends the stream.
        case empty
        /// One DATA frame: bytes held in memory (no copy), or a file region over a duplicated
        /// descriptor, closed once the frame is sent or dropped; `source` the file it reads.
        case data(IOData, file: NIOFileHandle?, source: OpenFile? = nil)
        /// Out of descriptors: the body cannot be sent.
        case unsendable
    }

    /// The content a reply sends, as ``ResponseWriter`` would after its head.
    private static func body(of reply: Reply) -> Content {
        switch reply {
        case .full(let representation):
            return content(representation, offset: 0, length: representation.length)
        case .partial(let representation, let range):
            return content(representation, offset: range.lowerBound, length: range.count)
        case .status(let status, _):
            return .data(.byteBuffer(ByteBuffer(string: status.reason + "\n")), file: nil, source: nil)
        case .notModified, .rangeNotSatisfiable:
            return .empty
        case .page(let page):
            return page.body.readableBytes > 0 ? .data(.byteBuffer(page.body), file: nil, source: nil) : .empty
        case .health(let draining):
            return .data(.byteBuffer(ByteBuffer(string: draining ? "draining\n" : "ok\n")), file: nil, source: nil)
        }
    }

    private static func content(_ representation: Representation, offset: Int, length: Int) -> Content {
        guard length > 0 else { return .empty }
        switch representation.body {
        case .memory(let buffer):
            guard let slice = buffer.getSlice(at: buffer.readerIndex + offset, length: length) else { return .empty }
            return .data(.byteBuffer(slice), file: nil, source: nil)
        case .file(let file):
            let copy = dup(file.descriptor)
            guard copy >= 0 else { return .unsendable }
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
            return .data(
                .fileRegion(FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + length)),
                file: handle,
                source: file
            )
        }
    }

    // MARK: Timeouts

    private func arm(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { self.timerFired(context) }
    }

    /// Idle: no stream open and no request for the idle timeout → GOAWAY and close. Send: streams
    /// open (responses held by flow control or an unread socket) and no output moved for the send
    /// timeout → close.
    private func timerFired(_ context: ChannelHandlerContext) {
        timer = nil
        guard context.channel.isActive else { return }
        let now = NIODeadline.now()
        let timeouts = settings.timeouts
        if let file = filesInFlight.values.first(where: { $0.changedOnDisk() }) {
            // Truncated or rewritten mid-response: the rest cannot match the head sent, and NIO
            // would retry sendfile in a busy loop until the send timeout. End it now.
            settings.warn("hush: \(file.name) changed on disk while being sent; connection closed")
            settings.reloadSoon(file.name)
            return context.close(promise: nil)
        }
        // A stream NIO has closed may still have its body queued in the channel (flow control let
        // it through): that is a backlog, not idleness.
        if openStreams == 0 && filesInFlight.isEmpty {
            lastProgress = now
            let idleUntil = lastActive + timeouts.idle
            guard now >= idleUntil else { return arm(context, at: idleUntil) }
            // GOAWAY already sent and the close behind it stuck (the client does not read): close.
            guard !draining else { return context.close(promise: nil) }
            drain(context)
            return arm(context, at: now + timeouts.send)
        }
        let seen = (progress: SendProgress.of(context.channel), closed: closedStreams)
        if seen.progress != lastSeen.progress || seen.closed != lastSeen.closed {
            lastSeen = seen
            lastProgress = now
        }
        let sendUntil = lastProgress + timeouts.send
        guard now >= sendUntil else { return arm(context, at: min(sendUntil, now + timeouts.sendCheckInterval)) }
        accessLog?.recordSendTimeout(client: client)
        context.close(promise: nil)
    }
}

/// Learns from NIO's frame writes whether it sent GOAWAY with an error, i.e. hit a connection
/// error (a protocol violation, or one of its DoS limits: rapid reset, CONTINUATION or control
/// frame floods, glitches). NIO does not close the connection itself; ``HTTP2Handler`` does.
final class GoAwayWatch: NIOHTTP2FrameDelegate {
    private(set) var sentErrorGoAway = false

    func wroteFrame(_ frame: HTTP2Frame) {
        if case .goAway(_, let code, _) = frame.payload, code != .noError { sentErrorGoAway = true }
    }
}
