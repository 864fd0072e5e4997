import NIOCore

/// `Upgrade: h2c` (RFC 7540 §3.2): an HTTP/1.1 request asking to continue the connection as
/// HTTP/2, answered on stream 1 once switched. RFC 9113 §3.1 deprecated the mechanism; it is
/// accepted because some clients and proxies still send it, on the connection's first request.
///
/// NIOHTTP2 has no server side for it, so the switch is made at the byte level: after
/// `101 Switching Protocols`, the client's connection preface (RFC 7540 §3.5: the magic and its
/// SETTINGS frame) is handed to NIO followed by a HEADERS frame, built here, that carries the
/// upgraded request as stream 1, half-closed from the client's side (§3.2). NIO then answers
/// stream 1 like any other. The HTTP2-Settings field is checked but not applied: the client's
/// own SETTINGS frame, which NIO reads before stream 1, carries the same values and would
/// replace them anyway; applying them separately would need a second SETTINGS ACK the client
/// never asked for.
enum H2CUpgrade {
    /// The response that switches (RFC 9110 §15.2.2).
    static let switching = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"

    /// The HTTP/2 client connection preface's fixed part (RFC 9113 §3.4).
    static let magic: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// Largest HEADERS frame payload before the client's SETTINGS may allow more (§4.2).
    static let maxFramePayload = 16_384

    /// Fields of the HTTP/1.1 request that do not travel into HTTP/2 (RFC 9113 §8.2.2), or that
    /// become pseudo-header fields.
    private static let dropped: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "http2-settings",
        "host",
    ]

    /// The HEADERS frame for stream 1 if `head` (a complete request head as ``RequestParser``
    /// left it, `request` its parse) asks for h2c properly; nil to answer it over HTTP/1.1.
    ///
    /// Properly: HTTP/1.1, `h2c` among the Upgrade tokens, `upgrade` among the Connection
    /// options (RFC 9110 §7.8), exactly one HTTP2-Settings that is base64url SETTINGS payload
    /// (RFC 7540 §3.2.1), and no body (a body would have to be read before switching).
    static func headersFrame(for request: RequestHead, head: [UInt8]) -> ByteBuffer? {
        guard request.versionMinor == 1, request.contentLength ?? 0 == 0, !request.hasTransferEncoding else {
            return nil
        }
        var upgradeH2C = false
        var connectionOptions: Set<String> = []
        var settingsFields = 0
        var settingsValid = false
        var fields: [(String, String)] = []
        for (name, value) in fieldLines(head) {
            switch name {
            case "upgrade":
                if tokens(value).contains("h2c") { upgradeH2C = true }
            case "connection":
                connectionOptions.formUnion(tokens(value))
            case "http2-settings":
                settingsFields += 1
                settingsValid = isSettingsPayload(value)
            default:
                break
            }
            fields.append((name, value))
        }
        guard upgradeH2C, connectionOptions.contains("upgrade"), settingsFields == 1, settingsValid else { return nil }
        var block: [UInt8] = []
        literal(String(decoding: head[request.methodText], as: UTF8.self), name: ":method", into: &block)
        literal("http", name: ":scheme", into: &block)
        if let host = request.host, !host.isEmpty {
            literal(String(decoding: head[host], as: UTF8.self), name: ":authority", into: &block)
        }
        literal(String(decoding: head[request.target], as: UTF8.self), name: ":path", into: &block)
        for (name, value) in fields where !dropped.contains(name) && !connectionOptions.contains(name) {
            literal(value, name: name, into: &block)
        }
        guard block.count <= maxFramePayload else { return nil }
        var frame = ByteBuffer()
        frame.writeInteger(UInt8(truncatingIfNeeded: block.count >> 16))
        frame.writeInteger(UInt16(truncatingIfNeeded: block.count))
        frame.writeInteger(UInt8(0x1))  // HEADERS
        frame.writeInteger(UInt8(0x5))  // END_STREAM | END_HEADERS
        frame.writeInteger(UInt32(1))  // stream 1 (§3.2)
        frame.writeBytes(block)
        return frame
    }

    /// What the bytes after `101` hold so far: the client preface, followed by its first frame,
    /// which must be SETTINGS (RFC 9113 §3.4).
    enum Preface: Equatable {
        case incomplete
        /// Bytes up to the end of the client's SETTINGS frame.
        case complete(length: Int)
        case invalid
    }

    static func preface(in bytes: ByteBuffer) -> Preface {
        let available = bytes.readableBytes
        let compared = min(available, magic.count)
        guard bytes.getBytes(at: bytes.readerIndex, length: compared) == Array(magic[..<compared]) else {
            return .invalid
        }
        let header = magic.count
        guard available >= header + 9,
            let high = bytes.getInteger(at: bytes.readerIndex + header, as: UInt8.self),
            let low = bytes.getInteger(at: bytes.readerIndex + header + 1, as: UInt16.self),
            let type = bytes.getInteger(at: bytes.readerIndex + header + 3, as: UInt8.self)
        else { return .incomplete }
        guard type == 0x4 else { return .invalid }
        let length = Int(high) << 16 | Int(low)
        let end = header + 9 + length
        return available >= end ? .complete(length: end) : .incomplete
    }

    // MARK: Parts

    /// `name: value` pairs of a head's field lines, names lowercased, values trimmed.
    private static func fieldLines(_ head: [UInt8]) -> [(String, String)] {
        let text = String(decoding: head, as: UTF8.self)
        var out: [(String, String)] = []
        for line in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }).dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            out.append((line[..<colon].lowercased(), value))
        }
        return out
    }

    /// The comma-separated tokens of a field value, lowercased.
    private static func tokens(_ value: String) -> Set<String> {
        Set(value.split(separator: ",").map { $0.trimmingCharacters(in: " \t").lowercased() })
    }

    /// Whether `value` is base64url (no padding, RFC 4648 §5) of whole 6-byte settings.
    static func isSettingsPayload(_ value: String) -> Bool {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=".utf8)
        let trimmed = value.utf8.prefix { $0 != UInt8(ascii: "=") }
        guard value.utf8.allSatisfy(alphabet.contains), trimmed.count % 4 != 1 else { return false }
        let bytes = trimmed.count / 4 * 3 + max(0, trimmed.count % 4 - 1)
        return bytes % 6 == 0
    }

    /// HPACK "literal header field without indexing, new name" (RFC 7541 §6.2.2): decoding it
    /// leaves the dynamic table as it was, so the client's own encoder stays in step with NIO's
    /// decoder.
    private static func literal(_ value: String, name: String, into block: inout [UInt8]) {
        block.append(0x00)
        string(Array(name.utf8), into: &block)
        string(Array(value.utf8), into: &block)
    }

    /// A string literal without Huffman coding: a 7-bit-prefix length, then the bytes (§5.2).
    private static func string(_ bytes: [UInt8], into block: inout [UInt8]) {
        var length = bytes.count
        if length < 127 {
            block.append(UInt8(length))
        } else {
            block.append(127)
            length -= 127
            while length >= 128 {
                block.append(UInt8(length & 0x7f | 0x80))
                length >>= 7
            }
            block.append(UInt8(length))
        }
        block.append(contentsOf: bytes)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let skip = Set(set)
        return String(drop { skip.contains($0) }.reversed().drop { skip.contains($0) }.reversed())
    }
}
