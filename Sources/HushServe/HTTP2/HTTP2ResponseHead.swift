import HushCore
import NIOCore
import NIOHPACK

/// HTTP/2 header lists for the responses ``ResponseWriter`` renders as HTTP/1.1 heads.
///
/// Responses are rendered by the same writer as on HTTP/1.1 (so every header rule, present or
/// future, applies to both protocols) and then translated: the status line becomes `:status`,
/// names are lowercased (RFC 9113 §8.2.1), connection-specific fields are dropped (§8.2.2).
/// Translations are kept by the head's bytes, rendered without `Date`: a connection answering
/// the same few files translates each head once.
struct HTTP2ResponseHeads {
    /// Heads kept at most per connection; past that the cache starts over. About 1 KiB each, so
    /// a connection holds at most some 32 KiB of them however many files its client asks for.
    static let capacity = 32

    private var cache: [ByteBuffer: HPACKHeaders] = [:]
    private var dateSecond: Int64 = -1
    private var date = ""

    /// The header list for `head` (an HTTP/1.1 head from ``ResponseWriter`` without `Date`),
    /// with the current `date` (RFC 9110 §6.6.1).
    mutating func headers(for head: ByteBuffer, now: Int64) -> HPACKHeaders {
        var headers: HPACKHeaders
        if let known = cache[head] {
            headers = known
        } else {
            headers = Self.translate(head)
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[head] = headers
        }
        if now != dateSecond {
            dateSecond = now
            date = HTTPDate.format(epochSeconds: now)
        }
        headers.add(name: "date", value: date)
        return headers
    }

    /// Fields HTTP/2 forbids (RFC 9113 §8.2.2).
    private static let connectionSpecific: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
    ]

    /// `HTTP/1.1 200 OK\r\nName: value\r\n...` → `:status` and lowercase fields.
    static func translate(_ head: ByteBuffer) -> HPACKHeaders {
        let text = String(buffer: head)
        var headers = HPACKHeaders()
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true).makeIterator()
        if let status = lines.next() {
            // "HTTP/1.1 SSS Reason": the code is the second word.
            let words = status.split(separator: " ", maxSplits: 2)
            headers.add(name: ":status", value: words.count > 1 ? String(words[1]) : "500")
        }
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            guard !connectionSpecific.contains(name) else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            headers.add(name: name, value: String(value))
        }
        return headers
    }
}
