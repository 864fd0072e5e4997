import Foundation
import Glibc

/// A blocking loopback TCP client for bytes no HTTP client would send. Every read has a
/// timeout, so a test waiting on a server that misbehaves fails instead of hanging.
public final class RawConnection {
    public struct Response {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public enum Failure: Error {
        case socket(Int32)
        case timedOut, closed
        case malformed(String)
    }

    private let fd: CInt
    private var pending: [UInt8] = []
    /// Bytes received on this connection so far, read or dropped.
    public private(set) var totalReceived = 0

    /// Connects to 127.0.0.1:`port`. `receiveBuffer` sets SO_RCVBUF before connecting (the
    /// kernel doubles it), so a client that does not read stops the server's writes early.
    public init(port: Int, timeout: Double = 10, receiveBuffer: Int? = nil) throws {
        fd = try Self.connectLoopback(port: port, timeout: timeout, receiveBuffer: receiveBuffer)
    }

    /// A blocking TCP socket connected to 127.0.0.1:`port`, with `timeout` on every read and
    /// write and, when given, SO_RCVBUF set before connecting. Shared by the HTTP/2 test client.
    public static func connectLoopback(port: Int, timeout: Double, receiveBuffer: Int? = nil) throws -> CInt {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.socket(errno) }
        var tv = timeval(
            tv_sec: Int(timeout),
            tv_usec: Int32((timeout - Double(Int(timeout))) * 1e6).magnitude > 0
                ? Int((timeout - Double(Int(timeout))) * 1e6) : 0
        )
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer.map(CInt.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let e = errno
            Glibc.close(fd)
            throw Failure.socket(e)
        }
        return fd
    }

    /// Connects to the unix-domain socket at `path`.
    public init(unixSocket path: String, timeout: Double = 10) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.socket(errno) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw Failure.socket(ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let e = errno
            Glibc.close(fd)
            throw Failure.socket(e)
        }
    }

    deinit { Glibc.close(fd) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure.socket(errno) }
            offset += n
        }
    }

    /// Half-closes: no more bytes from this side (`shutdown(SHUT_WR)`, what `nc -N` does).
    public func shutdownWrite() throws {
        guard shutdown(fd, Int32(SHUT_WR)) == 0 else { throw Failure.socket(errno) }
    }

    /// Sends as much of `bytes` as the peer takes within `seconds`, never blocking longer;
    /// returns how many bytes it took. A peer that stops reading stops taking bytes once the
    /// socket buffers between us are full.
    public func sendWithoutBlocking(_ bytes: [UInt8], within seconds: Double) -> Int {
        var offset = 0
        let deadline = Date().addingTimeInterval(seconds)
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n > 0 {
                offset += n
                continue
            }
            guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { break }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { break }
            var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&waiting, 1, Int32(left * 1000) + 1)
        }
        return offset
    }

    /// Reads more bytes; false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure.timedOut }
            if errno == ECONNRESET { return false }
            throw Failure.socket(errno)
        }
        if n == 0 { return false }
        totalReceived += n
        pending += chunk[..<n]
        return true
    }

    /// Reads one response; `bodyless` for answers to HEAD.
    public func readResponse(bodyless: Bool = false) throws -> Response {
        var headEnd: Int?
        while true {
            if let range = findHeadEnd() {
                headEnd = range
                break
            }
            guard try fill() else { throw Failure.closed }
        }
        guard let end = headEnd else { throw Failure.closed }
        let head = String(decoding: pending[..<end], as: UTF8.self)
        pending.removeFirst(end + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure.malformed(statusLine) }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = Response(status: status, headers: headers, body: [])
        let length = bodyless || status == 304 ? 0 : Int(response.header("Content-Length") ?? "0") ?? 0
        while pending.count < length {
            guard try fill() else { throw Failure.closed }
        }
        response.body = Array(pending[..<length])
        pending.removeFirst(length)
        return response
    }

    /// Blocks until at least `count` bytes have arrived (they stay unread).
    public func waitForBytes(_ count: Int) throws {
        while pending.count < count {
            guard try fill() else { throw Failure.closed }
        }
    }

    /// The next `count` bytes as received (an HTTP/2 frame header, say).
    public func readBytes(_ count: Int) throws -> [UInt8] {
        try waitForBytes(count)
        defer { pending.removeFirst(count) }
        return Array(pending[..<count])
    }

    /// Whether the server closed the connection (reads to end of stream, dropping bytes).
    public func readUntilClosed() throws -> Bool {
        while try fill() { pending.removeAll() }
        return true
    }

    private func findHeadEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for i in 0...(pending.count - 4)
        where pending[i] == 13 && pending[i + 1] == 10 && pending[i + 2] == 13 && pending[i + 3] == 10 {
            return i
        }
        return nil
    }
}
