import HushCore

/// How access-log lines are written (`--log-format`).
public enum AccessLogFormat: String, Sendable, Equatable, CaseIterable {
    /// Common Log Format, as Apache's `%h %l %u %t "%r" %>s %b`. The default.
    case common
    /// One JSON object per line (JSON Lines), for log shippers that parse fields:
    /// `{"time":"2026-11-25T08:00:00Z","client":"203.0.113.7","peer":"127.0.0.1","method":"GET",
    /// "target":"/static/app.css","protocol":"HTTP/1.1","status":200,"bytes":3000}`.
    case json
}

/// Writes one access-log record as a JSON object (RFC 8259) and a newline.
enum JSONLogLine {
    /// A request that could not be parsed has `request` nil: `method`, `target` and `protocol`
    /// are then `null`. `bytes` is the body length sent (0 for none).
    static func append(
        to out: inout [UInt8],
        time: String,
        client: String,
        peer: String,
        request: (method: ArraySlice<UInt8>, target: ArraySlice<UInt8>, versionMinor: Int)?,
        status: Int,
        bytes: Int
    ) {
        out += #"{"time":""#.utf8
        out += time.utf8
        out += #"","client":"#.utf8
        string(client.utf8, into: &out)
        out += #","peer":"#.utf8
        string(peer.utf8, into: &out)
        if let request {
            out += #","method":"#.utf8
            string(request.method, into: &out)
            out += #","target":"#.utf8
            string(request.target, into: &out)
            out += #","protocol":"HTTP/1.\#(request.versionMinor)""#.utf8
        } else {
            out += #","method":null,"target":null,"protocol":null"#.utf8
        }
        out += #","status":\#(status),"bytes":\#(bytes)}"#.utf8
        out.append(UInt8(ascii: "\n"))
    }

    /// `bytes` as a JSON string. RFC 8259 §7: `"` and `\` escaped, control characters as `\u00XX`
    /// (short forms for the common ones). A request target may hold bytes that are not UTF-8
    /// (the parser only excludes controls and spaces); a JSON text must be Unicode (§8.1), so each
    /// byte of an invalid sequence is written as the code point of the same number, `\u00XX`
    /// (Latin-1): lossless, and valid UTF-8 passes through unchanged.
    static func string<Bytes: Collection<UInt8>>(_ bytes: Bytes, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let b = Array(bytes)
        var i = 0
        while i < b.count {
            let c = b[i]
            if c >= 0x80 {
                let length = validUTF8Length(b, at: i)
                if length > 0 {
                    out += b[i..<(i + length)]
                    i += length
                } else {
                    escape(c, into: &out)
                    i += 1
                }
                continue
            }
            switch c {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case 0x0a: out += #"\n"#.utf8
            case 0x0d: out += #"\r"#.utf8
            case 0x09: out += #"\t"#.utf8
            case 0..<0x20, 0x7f: escape(c, into: &out)
            default: out.append(c)
            }
            i += 1
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escape(_ byte: UInt8, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out += #"\u00"#.utf8
        out.append(hex[Int(byte >> 4)])
        out.append(hex[Int(byte & 0xf)])
    }

    /// The length of the well-formed UTF-8 sequence starting at `i` (Unicode §3.9, table 3-7:
    /// no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
    private static func validUTF8Length(_ b: [UInt8], at i: Int) -> Int {
        let lead = b[i]
        let (length, low, high): (Int, UInt8, UInt8)
        switch lead {
        case 0xc2...0xdf: (length, low, high) = (2, 0x80, 0xbf)
        case 0xe0: (length, low, high) = (3, 0xa0, 0xbf)
        case 0xe1...0xec, 0xee...0xef: (length, low, high) = (3, 0x80, 0xbf)
        case 0xed: (length, low, high) = (3, 0x80, 0x9f)
        case 0xf0: (length, low, high) = (4, 0x90, 0xbf)
        case 0xf1...0xf3: (length, low, high) = (4, 0x80, 0xbf)
        case 0xf4: (length, low, high) = (4, 0x80, 0x8f)
        default: return 0
        }
        guard i + length <= b.count, (low...high).contains(b[i + 1]) else { return 0 }
        for k in 2..<max(2, length) where !(0x80...0xbf).contains(b[i + k]) { return 0 }
        return length
    }
}

extension AccessLog {
    /// `2026-11-25T08:00:00Z` (RFC 3339, UTC).
    static func isoTimestamp(_ seconds: Int64) -> String {
        let c = HTTPDate.civil(fromEpochSeconds: seconds)
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return String(c.year) + "-" + pad(c.month) + "-" + pad(c.day) + "T" + pad(c.hour) + ":" + pad(c.minute)
            + ":" + pad(c.second) + "Z"
    }
}
