import Glibc
import NIOCore

/// Gathers the answers of one read burst and hands them to the channel, so a burst costs one
/// flush: small responses are rendered back to back into one buffer (reused from burst to
/// burst), bodies too large to copy follow as their own buffers, files as file regions.
///
/// It also keeps the files whose bodies are handed to the channel and not yet sent (the timer
/// checks them for changes on disk) and corks the socket while one is in flight.
///
/// A class, not a struct: a write's completion may run while the channel is still inside a write
/// of ours (a failed write completes its promise at once), and then must change the same writer.
final class BurstWriter {
    /// Bytes of small responses gathered before they are handed to the channel mid-burst.
    static let handOverThreshold = 64 << 10

    /// Responses of the current burst not yet handed to the channel.
    private var pending: ByteBuffer?
    /// The previous burst's buffer, cleared and reused once the channel has written it, so a
    /// keep-alive request costs no buffer allocation.
    private var spare: ByteBuffer?
    /// Whether anything was written since the last flush.
    private(set) var hasWrites = false
    /// Files whose bodies are handed to the channel and not yet sent, oldest first (each body
    /// holds a duplicated descriptor of its file).
    private(set) var filesInFlight: [OpenFile] = []
    private var corked = false

    /// What ``write(_:isHead:connection:dateLine:context:)`` did.
    enum Written {
        /// The response is written (or gathered); its body length, for the log.
        case bytes(Int)
        /// Out of descriptors: the head promised a body that cannot be sent; the connection must end.
        case bodyUnsendable
    }

    /// Renders a reply into the burst's buffer, handing it to the channel first when a body follows
    /// separately.
    func write(
        _ reply: Reply,
        isHead: Bool,
        connection: ResponseWriter.ConnectionHeader,
        dateLine: ByteBuffer,
        cors: ByteBuffer? = nil,
        context: ChannelHandlerContext
    ) -> Written {
        var out = pending ?? reusableBuffer(context)
        pending = nil
        hasWrites = true
        let (tail, bytes) = ResponseWriter.write(
            reply,
            isHead: isHead,
            connection: connection,
            dateLine: dateLine,
            cors: cors,
            into: &out
        )
        switch tail {
        case .none where out.readableBytes >= Self.handOverThreshold:
            // Hand big bursts to the channel now: its writability then accounts for them, so a
            // client pipelining without reading is paused instead of growing this buffer.
            context.write(Self.outbound(.byteBuffer(out)), promise: nil)
        case .none:
            pending = out
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
            guard copy >= 0 else { return .bodyUnsendable }
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
            let region = FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + length)
            let written = context.eventLoop.makePromise(of: Void.self)
            filesInFlight.append(file)
            written.futureResult.assumeIsolated().whenComplete { _ in
                try? handle.close()
                self.fileSent(context)
            }
            context.write(Self.outbound(.fileRegion(region)), promise: written)
        }
        return .bytes(bytes)
    }

    /// The oldest file in flight was sent: uncork once none is left.
    private func fileSent(_ context: ChannelHandlerContext) {
        filesInFlight.removeFirst()
        if filesInFlight.isEmpty { setCork(false, context) }
    }

    /// Hands what the burst gathered to the channel, flushing it too when `flush` is set (one
    /// pass through the pipeline instead of a write and a flush). Returns whether the burst wrote
    /// anything since the last call.
    func handOver(_ context: ChannelHandlerContext, flush: Bool) -> Bool {
        guard hasWrites else { return false }
        hasWrites = false
        if let out = pending.take() {
            if flush {
                context.writeAndFlush(Self.outbound(.byteBuffer(out)), promise: nil)
            } else {
                context.write(Self.outbound(.byteBuffer(out)), promise: nil)
            }
            keepSpare(out)
        } else if flush {
            context.flush()
        }
        return true
    }

    /// Drops what was gathered and not handed over (the connection is gone).
    func discard() {
        pending = nil
    }

    private static let cork = ChannelOptions.Types.SocketOption(
        level: .tcp,
        name: NIOBSDSocket.Option(rawValue: TCP_CORK)
    )

    private func setCork(_ on: Bool, _ context: ChannelHandlerContext) {
        guard on != corked, context.channel.isActive else { return }
        corked = on
        try? context.channel.syncOptions?.setOption(Self.cork, value: on ? 1 : 0)
    }

    /// The spare buffer cleared (no allocation once the channel has released it), or a new one.
    private func reusableBuffer(_ context: ChannelHandlerContext) -> ByteBuffer {
        guard var buffer = spare.take() else { return context.channel.allocator.buffer(capacity: 1024) }
        buffer.clear()
        return buffer
    }

    /// Keeps a small written buffer for the next burst (large ones are let go, so an idle
    /// connection holds at most a few KiB).
    private func keepSpare(_ buffer: ByteBuffer) {
        if buffer.capacity <= 8 << 10 { spare = buffer }
    }

    @inline(__always)
    static func outbound(_ data: IOData) -> NIOAny { NIOAny(data) }
}
