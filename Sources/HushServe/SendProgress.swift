import Glibc
import NIOCore

/// How far a connection's output has got, for the send timeout: it moved when either number did.
///
/// NIO's backlog alone moves only when NIO writes again, i.e. once the kernel's send buffer (up to
/// 4 MiB, autotuned) has room for a third of it; a client steadily reading slowly can take
/// longer than a send timeout to free that much. The bytes the client acknowledged move with
/// every read it makes, and not at all while it reads nothing (zero-window probes acknowledge
/// no data).
struct SendProgress: Equatable {
    /// Bytes NIO still holds for the socket, file regions included.
    var pending: Int
    /// Bytes the client acknowledged (`tcpi_bytes_acked`, Linux 4.1+); 0 where unknown.
    var acked: UInt64

    static let none = SendProgress(pending: 0, acked: 0)

    /// Both numbers for `channel`, read on its event loop (a getsockopt each; never per request).
    static func of(_ channel: Channel) -> SendProgress {
        let pending = (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        var acked: UInt64 = 0
        if pending > 0, let socket = channel as? SocketOptionProvider,
            MemoryLayout<KernelTCPInfo>.offset(of: \.bytesAcked) == 120
        {
            // On the channel's loop the getsockopt runs at once and the future is already complete.
            let info: EventLoopFuture<KernelTCPInfo> = socket.unsafeGetSocketOption(level: .tcp, name: .tcp_info)
            info.assumeIsolated().whenSuccess { acked = $0.bytesAcked }
        }
        return SendProgress(pending: pending, acked: acked)
    }
}

/// The kernel's `struct tcp_info` as far as `tcpi_bytes_acked` (offset 120): Glibc's declaration
/// ends at `tcpi_total_retrans` (104 bytes), the fields after it follow in this order.
private struct KernelTCPInfo: @unchecked Sendable {
    var glibc: tcp_info
    var pacingRate: UInt64
    var maxPacingRate: UInt64
    var bytesAcked: UInt64
}
