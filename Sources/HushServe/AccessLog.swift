import HushCore
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An access log in the Common Log Format (as Apache's `%h %l %u %t "%r" %>s %b`), time in UTC:
///
///     127.0.0.1 - - [25/Nov/2026:08:00:00 +0000] "GET /static/app.css HTTP/1.1" 200 3000
///
/// Lines are buffered and written when 32 KiB accumulate, on ``flush()`` (the server calls it
/// every second) and at shutdown, so logging costs no system call per request.
public final class AccessLog: Sendable {
    private struct State {
        var buffer: [UInt8] = []
        var lastSecond: Int64 = -1
        var timestamp = ""
    }

    private let descriptor: CInt
    private let ownsDescriptor: Bool
    private let state = NIOLockedValueBox(State())
    private static let flushThreshold = 32 << 10

    /// Opens the log at `destination`; nil for `.off`.
    public static func open(_ destination: ServeConfiguration.AccessLogDestination) throws(ServeError) -> AccessLog? {
        switch destination {
        case .off:
            return nil
        case .standardOutput:
            return AccessLog(descriptor: STDOUT_FILENO, owns: false)
        case .file(let path):
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .unreadable(path: path, errno: errno) }
            return AccessLog(descriptor: fd, owns: true)
        }
    }

    private init(descriptor: CInt, owns: Bool) {
        self.descriptor = descriptor
        self.ownsDescriptor = owns
    }

    deinit {
        flush()
        if ownsDescriptor { _ = close(descriptor) }
    }

    /// Records one response.
    func record(client: String, method: ArraySlice<UInt8>, target: ArraySlice<UInt8>, versionMinor: Int, status: Int, bytes: Int) {
        let now = Int64(time(nil))
        let pending: [UInt8]? = state.withLockedValue { s in
            if s.lastSecond != now {
                s.lastSecond = now
                s.timestamp = Self.timestamp(now)
            }
            s.buffer += client.utf8
            s.buffer += " - - [".utf8
            s.buffer += s.timestamp.utf8
            s.buffer += "] \"".utf8
            s.buffer += method
            s.buffer.append(UInt8(ascii: " "))
            // The target is logged as sent; quotes and backslashes were excluded by the parser
            // only from the method, so escape them here to keep the line parseable.
            for b in target {
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { s.buffer.append(UInt8(ascii: "\\")) }
                s.buffer.append(b)
            }
            s.buffer += " HTTP/1.\(versionMinor)\" \(status) \(bytes > 0 ? String(bytes) : "-")\n".utf8
            guard s.buffer.count >= Self.flushThreshold else { return nil }
            defer { s.buffer.removeAll(keepingCapacity: true) }
            return s.buffer
        }
        if let pending { writeAll(pending) }
    }

    /// Records a request that could not be parsed.
    func recordUnparsed(client: String, status: Int) {
        record(client: client, method: ArraySlice("-".utf8), target: [], versionMinor: 1, status: status, bytes: 0)
    }

    /// Writes out buffered lines.
    public func flush() {
        let pending: [UInt8] = state.withLockedValue { s in
            defer { s.buffer.removeAll(keepingCapacity: true) }
            return s.buffer
        }
        if !pending.isEmpty { writeAll(pending) }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                guard let base = raw.baseAddress else { return }
                let n = write(descriptor, base + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }

    /// `25/Nov/2026:08:00:00 +0000`
    static func timestamp(_ seconds: Int64) -> String {
        let c = HTTPDate.civil(fromEpochSeconds: seconds)
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return pad(c.day) + "/" + HTTPDate.monthNames[c.month - 1] + "/" + String(c.year) + ":"
            + pad(c.hour) + ":" + pad(c.minute) + ":" + pad(c.second) + " +0000"
    }
}
