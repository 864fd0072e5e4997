import NIOCore
import NIOHTTP2

/// First handler of every connection when h2c is on: reads the first bytes and puts the right
/// protocol in its place, then leaves the pipeline (so later reads cost nothing extra).
///
/// - The HTTP/2 client preface (RFC 9113 §3.4): HTTP/2 with prior knowledge.
/// - An HTTP/1.1 head asking for `Upgrade: h2c` (see ``H2CUpgrade``): `101`, then HTTP/2.
/// - Anything else: the HTTP/1.1 handler, handed the bytes read so far.
///
/// Until it has decided, the header timeout applies: a client that sends a partial preface or
/// head and stalls is closed as one that stalls in an HTTP/1.1 head would be.
final class ProtocolSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// What a connection needs to serve either protocol.
    struct Setup: Sendable {
        var settings: HTTPHandler.Settings
        var tables: TableBox
        var accessLog: AccessLog?
        var http2: HTTP2Configuration
    }

    private enum Stage {
        /// Reading the first bytes.
        case sniffing
        /// `101` sent; waiting for the client's preface, then stream 1 is this HEADERS frame.
        case awaitingPreface(ByteBuffer)
        /// Handed over; this handler is being removed.
        case done
    }

    private let setup: Setup
    private var stage = Stage.sniffing
    private var buffered: ByteBuffer?
    private var timer: Scheduled<Void>?
    private var scratch: [UInt8] = []

    private var isDone: Bool {
        if case .done = stage { return true }
        return false
    }

    init(setup: Setup) {
        self.setup = setup
    }

    func channelActive(context: ChannelHandlerContext) {
        // Not passed on yet: the HTTP/1.1 handler gets it when installed; HTTP/2's start on
        // being added to an active channel.
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: setup.settings.timeouts.header) {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, !isDone {
            // A graceful stop before the first request was complete: nothing is owed.
            return context.close(promise: nil)
        }
        guard let event = event as? ChannelEvent, event == .inputClosed else {
            return context.fireUserInboundEventTriggered(event)
        }
        switch stage {
        case .sniffing:
            // Half-closed before a decision: HTTP/1.1 answers what it can of the bytes so far.
            startHTTP1(context, with: buffered.take() ?? ByteBuffer())
            context.fireUserInboundEventTriggered(event)
        case .awaitingPreface:
            context.close(promise: nil)
        case .done:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var earlier = buffered.take() {
            earlier.writeBuffer(&bytes)
            bytes = earlier
        }
        switch stage {
        case .sniffing:
            sniff(context, bytes)
        case .awaitingPreface(let stream1):
            awaitPreface(context, bytes, stream1)
        case .done:
            context.fireChannelRead(wrapInboundOut(bytes))
        }
    }

    private func sniff(_ context: ChannelHandlerContext, _ bytes: ByteBuffer) {
        let magic = H2CUpgrade.magic
        let compared = min(bytes.readableBytes, magic.count)
        if compared > 0, bytes.getBytes(at: bytes.readerIndex, length: compared) == Array(magic[..<compared]) {
            guard compared == magic.count else {
                buffered = bytes
                return
            }
            return startHTTP2(context, feeding: bytes)
        }
        let parsed = bytes.withUnsafeReadableBytes { RequestParser.parse($0, reusing: &scratch) }
        switch parsed {
        case .incomplete:
            buffered = bytes
        case .failure:
            startHTTP1(context, with: bytes)
        case .complete(let request, let consumed):
            guard let stream1 = H2CUpgrade.headersFrame(for: request, head: scratch) else {
                return startHTTP1(context, with: bytes)
            }
            var rest = bytes
            rest.moveReaderIndex(forwardBy: consumed)
            context.write(NIOAny(IOData.byteBuffer(ByteBuffer(string: H2CUpgrade.switching))), promise: nil)
            stage = .awaitingPreface(stream1)
            // NIO writes its SETTINGS as it is added: behind the 101, as RFC 7540 §3.2 wants.
            guard installHTTP2(context) else { return }
            awaitPreface(context, rest, stream1)
        }
    }

    private func awaitPreface(_ context: ChannelHandlerContext, _ bytes: ByteBuffer, _ stream1: ByteBuffer) {
        switch H2CUpgrade.preface(in: bytes) {
        case .incomplete:
            buffered = bytes
        case .invalid:
            context.close(promise: nil)
        case .complete(let length):
            var rest = bytes
            guard var feed = rest.readSlice(length: length) else { return }
            var frame = stream1
            feed.writeBuffer(&frame)
            feed.writeBuffer(&rest)
            handOver(context, feed)
        }
    }

    private func startHTTP1(_ context: ChannelHandlerContext, with bytes: ByteBuffer) {
        let handler = HTTPHandler(settings: setup.settings, tables: setup.tables, accessLog: setup.accessLog)
        do {
            try context.pipeline.syncOperations.addHandler(handler, position: .after(self))
        } catch {
            return context.close(promise: nil)
        }
        context.fireChannelActive()
        handOver(context, bytes)
    }

    private func startHTTP2(_ context: ChannelHandlerContext, feeding bytes: ByteBuffer) {
        guard installHTTP2(context) else { return }
        handOver(context, bytes)
    }

    /// Adds NIO's HTTP/2 handler and ours behind this one; false (and closing) on failure.
    private func installHTTP2(_ context: ChannelHandlerContext) -> Bool {
        let watch = GoAwayWatch()
        let frames = NIOHTTP2Handler(
            mode: .server,
            frameDelegate: watch,
            connectionConfiguration: HTTP2Handler.connectionConfiguration(setup.http2),
            streamConfiguration: HTTP2Handler.streamConfiguration(setup.http2)
        )
        let handler = HTTP2Handler(
            settings: setup.settings,
            tables: setup.tables,
            accessLog: setup.accessLog,
            watch: watch
        )
        do {
            try context.pipeline.syncOperations.addHandler(frames, position: .after(self))
            try context.pipeline.syncOperations.addHandler(handler, position: .after(frames))
        } catch {
            context.close(promise: nil)
            return false
        }
        return true
    }

    /// Passes `bytes` to the protocol now behind this handler and leaves the pipeline.
    private func handOver(_ context: ChannelHandlerContext, _ bytes: ByteBuffer) {
        stage = .done
        timer?.cancel()
        timer = nil
        if bytes.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(bytes)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
