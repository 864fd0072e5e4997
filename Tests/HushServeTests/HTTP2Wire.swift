import Foundation
import Glibc
import NIOCore
import NIOHPACK

/// A blocking loopback HTTP/2 client that writes and reads raw frames (RFC 9113 §4), for the
/// requests and the hostile frames no ordinary client sends. HPACK is NIO's. Every read has a
/// timeout, so a server that misbehaves fails the test instead of hanging it.
final class HTTP2Wire {
    struct Frame {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]
        /// A HEADERS frame's fields, decoded as it arrived (HPACK state follows arrival order).
        var fields: [(name: String, value: String)] = []

        var endStream: Bool { flags & 0x1 != 0 }
    }

    struct Response {
        var headers: [(name: String, value: String)] = []
        var body: [UInt8] = []
        /// The error code of a RST_STREAM that ended the stream, if one did.
        var reset: UInt32?

        func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
        var status: Int { Int(header(":status") ?? "") ?? 0 }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    enum Failure: Error {
        case socket(Int32)
        case timedOut, closed
        case protocolError(String)
    }

    static let data: UInt8 = 0x0, headers: UInt8 = 0x1, rstStream: UInt8 = 0x3, settings: UInt8 = 0x4,
        ping: UInt8 = 0x6, goAway: UInt8 = 0x7, windowUpdate: UInt8 = 0x8, continuation: UInt8 = 0x9

    private let fd: CInt
    private var pending: [UInt8] = []
    private var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
    private var decoder = HPACKDecoder(allocator: ByteBufferAllocator())
    private var nextStream: UInt32 = 1
    /// Frames read while waiting for another stream's.
    private var backlog: [Frame] = []
    /// The GOAWAY the server sent, if any: its last stream and error code.
    private(set) var goAway: (lastStream: UInt32, code: UInt32)?

    /// Connects to 127.0.0.1:`port`; unless `preface` is false, sends the client preface with an
    /// empty SETTINGS frame (RFC 9113 §3.4). `receiveBuffer` shrinks the socket's receive buffer.
    init(port: Int, timeout: Double = 10, preface: Bool = true, receiveBuffer: Int? = nil) throws {
        do {
            fd = try RawConnection.connectLoopback(port: port, timeout: timeout, receiveBuffer: receiveBuffer)
        } catch RawConnection.Failure.socket(let code) {
            throw Failure.socket(code)
        }
        if preface {
            try send(Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8))
            try send(frame: Self.settings, flags: 0, stream: 0, payload: [])
        }
    }

    deinit { close(fd) }

    // MARK: Writing

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure.socket(errno) }
            offset += n
        }
    }

    func send(frame type: UInt8, flags: UInt8, stream: UInt32, payload: [UInt8]) throws {
        try send(Self.encode(type: type, flags: flags, stream: stream, payload: payload))
    }

    static func encode(type: UInt8, flags: UInt8, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff), type, flags]
            + withUnsafeBytes(of: stream.bigEndian, Array.init) + payload
    }

    /// An HPACK block for `fields` (the client's encoder, so its dynamic table stays in step).
    func block(_ fields: [(String, String)]) throws -> [UInt8] {
        var buffer = ByteBuffer()
        try encoder.encode(headers: HPACKHeaders(fields), to: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// The pseudo-header fields of a GET for `path`, then `extra`.
    static func get(_ path: String, method: String = "GET", _ extra: [(String, String)] = []) -> [(String, String)] {
        [(":method", method), (":scheme", "http"), (":authority", "t"), (":path", path)] + extra
    }

    /// Sends a request on the next stream; returns the stream.
    @discardableResult
    func request(_ fields: [(String, String)], endStream: Bool = true) throws -> UInt32 {
        let stream = nextStream
        nextStream += 2
        try send(frame: Self.headers, flags: 0x4 | (endStream ? 0x1 : 0), stream: stream, payload: block(fields))
        return stream
    }

    /// Takes the next stream number without sending anything on it.
    func takeStream() -> UInt32 {
        defer { nextStream += 2 }
        return nextStream
    }

    // MARK: Reading

    /// The next frame, answering SETTINGS with an ACK and PING with its ACK on the way.
    func readFrame() throws -> Frame {
        if !backlog.isEmpty { return backlog.removeFirst() }
        while true {
            try need(9)
            let length = Int(pending[0]) << 16 | Int(pending[1]) << 8 | Int(pending[2])
            try need(9 + length)
            let stream =
                UInt32(pending[5] & 0x7f) << 24 | UInt32(pending[6]) << 16 | UInt32(pending[7]) << 8
                | UInt32(pending[8])
            var frame = Frame(
                type: pending[3],
                flags: pending[4],
                stream: stream,
                payload: Array(pending[9..<(9 + length)])
            )
            pending.removeFirst(9 + length)
            switch frame.type {
            case Self.headers:
                var buffer = ByteBuffer(bytes: frame.payload)
                frame.fields = try decoder.decodeHeaders(from: &buffer).map { ($0.name, $0.value) }
            case Self.settings where frame.flags & 0x1 == 0:
                try send(frame: Self.settings, flags: 0x1, stream: 0, payload: [])
            case Self.ping where frame.flags & 0x1 == 0:
                try send(frame: Self.ping, flags: 0x1, stream: 0, payload: frame.payload)
            case Self.goAway where frame.payload.count >= 8:
                goAway = (Self.integer(frame.payload, 0) & 0x7fff_ffff, Self.integer(frame.payload, 4))
            default:
                break
            }
            return frame
        }
    }

    /// Reads until `stream` ends; frames of other streams wait in a backlog.
    func response(_ stream: UInt32) throws -> Response {
        var response = Response()
        var skipped: [Frame] = []
        defer { backlog = skipped + backlog }
        while true {
            let frame = try readFrame()
            guard frame.stream == stream else {
                if frame.stream != 0 { skipped.append(frame) }
                if frame.type == Self.goAway, let goAway, goAway.lastStream < stream {
                    throw Failure.protocolError("GOAWAY before stream \(stream): code \(goAway.code)")
                }
                continue
            }
            switch frame.type {
            case Self.headers:
                response.headers += frame.fields
            case Self.data:
                response.body += frame.payload
            case Self.rstStream:
                response.reset = Self.integer(frame.payload, 0)
                return response
            default:
                break
            }
            if frame.endStream { return response }
        }
    }

    /// One GET and its response.
    func get(_ path: String, _ extra: [(String, String)] = [], method: String = "GET") throws -> Response {
        try response(request(Self.get(path, method: method, extra)))
    }

    /// Reads until the server closes; true if it sent GOAWAY with `code` before closing.
    func readUntilClosed() throws -> Bool {
        do {
            while true { _ = try readFrame() }
        } catch Failure.closed {
            return true
        }
    }

    static func integer(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    private func need(_ count: Int) throws {
        while pending.count < count {
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure.timedOut }
                if errno == ECONNRESET { throw Failure.closed }
                throw Failure.socket(errno)
            }
            if n == 0 { throw Failure.closed }
            pending += chunk[..<n]
        }
    }

    /// Raw bytes, for the HTTP/1.1 part of an upgrade: everything up to and including CRLFCRLF.
    func readHTTP1Head() throws -> String {
        while true {
            if let end = Self.find([13, 10, 13, 10], in: pending) {
                let head = String(decoding: pending[..<(end + 4)], as: UTF8.self)
                pending.removeFirst(end + 4)
                return head
            }
            let before = pending.count
            try need(before + 1)
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}
