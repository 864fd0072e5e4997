import NIOCore

/// Sits on the listening channel: counts open connections, stops accepting at the cap (the
/// kernel's backlog then holds new clients — back-pressure, not refusal) and resumes as
/// connections close. It also knows every open connection, for a graceful stop.
final class ConnectionLimiter: ChannelDuplexHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel
    typealias OutboundIn = Never

    private let maxConnections: Int
    private var open: [ObjectIdentifier: Channel] = [:]
    private var readHeldBack = false

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    /// How many connections are open.
    var openCount: Int { open.count }

    /// The connections open now.
    var openChannels: [Channel] { Array(open.values) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        let id = ObjectIdentifier(child)
        open[id] = child
        let loop = context.eventLoop
        child.closeFuture.hop(to: loop).assumeIsolated().whenComplete { _ in
            self.open[id] = nil
            if self.readHeldBack, self.open.count < self.maxConnections {
                self.readHeldBack = false
                context.read()
            }
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if open.count >= maxConnections {
            readHeldBack = true
        } else {
            context.read()
        }
    }
}
