import Glibc
import HushCore
import HushSystem
import NIOConcurrencyHelpers

/// An access log in the Common Log Format (as Apache's `%h %l %u %t "%r" %>s %b`), time in UTC:
///
///     127.0.0.1 - - [25/Nov/2026:08:00:00 +0000] "GET /static/app.css HTTP/1.1" 200 3000
///
/// Lines are buffered and written when 32 KiB accumulate, on ``flush()`` (the server calls it
/// every second) and at shutdown, so logging costs no system call per request.
///
/// Lines that cannot be written (disk full, `/dev/full`) are counted, not retried: the first
/// failure is reported to the operator at once, later ones at most once a minute, and what was
/// lost since the last report once more by ``finish()``.
public final class AccessLog: Sendable {
    private struct State {
        var buffer: [UInt8] = []
        var lastSecond: Int64 = -1
        var timestamp = ""
        /// Lines lost to failed writes and not yet reported.
        var lostLines = 0
        var lastError: Int32 = 0
        var lastReport: Int64 = .min
    }

    private let descriptor: CInt
    private let format: AccessLogFormat
    private let ownsDescriptor: Bool
    private let name: String
    private let warn: @Sendable (String) -> Void
    private let state = NIOLockedValueBox(State())
    private static let flushThreshold = 32 << 10
    /// Seconds between two reports of lost lines.
    static let reportInterval: Int64 = 60

    /// Opens the log at `destination`; nil for `.off`. Write failures are reported through `warn`.
    public static func open(
        _ destination: ServeConfiguration.AccessLogDestination,
        format: AccessLogFormat = .common,
        warn: @escaping @Sendable (String) -> Void
    ) throws(ServeError) -> AccessLog? {
        switch destination {
        case .off:
            return nil
        case .standardOutput:
            return AccessLog(descriptor: STDOUT_FILENO, format: format, owns: false, name: "(stdout)", warn: warn)
        case .file(let path):
            let fd: CInt
            do { fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_APPEND) } catch {
                throw .unreadable(path: path, errno: error.errno)
            }
            return AccessLog(descriptor: fd, format: format, owns: true, name: path, warn: warn)
        }
    }

    private init(
        descriptor: CInt,
        format: AccessLogFormat,
        owns: Bool,
        name: String,
        warn: @escaping @Sendable (String) -> Void
    ) {
        self.descriptor = descriptor
        self.format = format
        self.ownsDescriptor = owns
        self.name = name
        self.warn = warn
    }

    deinit {
        flush()
        if ownsDescriptor { try? Syscall.close(descriptor) }
    }

    /// Records one response. `peer` is the connection's address when `client` came from a
    /// forwarding header (the JSON format shows both).
    func record(
        client: String,
        peer: String? = nil,
        method: ArraySlice<UInt8>,
        target: ArraySlice<UInt8>,
        versionMinor: Int,
        status: Int,
        bytes: Int,
        http2: Bool = false
    ) {
        let now = Int64(time(nil))
        let format = format
        let pending: [UInt8]? = state.withLockedValue { s in
            if s.lastSecond != now {
                s.lastSecond = now
                s.timestamp = format == .json ? Self.isoTimestamp(now) : Self.timestamp(now)
            }
            if format == .json {
                JSONLogLine.append(
                    to: &s.buffer,
                    time: s.timestamp,
                    client: client,
                    peer: peer ?? client,
                    request: target.isEmpty ? nil : (method, target, versionMinor),
                    status: status,
                    bytes: bytes
                )
                return s.buffer.count >= Self.flushThreshold ? Self.take(&s.buffer) : nil
            }
            s.buffer += client.utf8
            s.buffer += " - - [".utf8
            s.buffer += s.timestamp.utf8
            s.buffer += "] \"".utf8
            s.buffer += method
            guard !target.isEmpty else {
                // An unparseable request has no request line to show: `"-"`.
                s.buffer += "\" \(status) -\n".utf8
                return s.buffer.count >= Self.flushThreshold ? Self.take(&s.buffer) : nil
            }
            s.buffer.append(UInt8(ascii: " "))
            // The target is logged as sent; quotes and backslashes were excluded by the parser
            // only from the method, so escape them here to keep the line parseable.
            for b in target {
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { s.buffer.append(UInt8(ascii: "\\")) }
                s.buffer.append(b)
            }
            s.buffer += (http2 ? " HTTP/2.0" : " HTTP/1.\(versionMinor)").utf8
            s.buffer += "\" \(status) \(bytes > 0 ? String(bytes) : "-")\n".utf8
            return s.buffer.count >= Self.flushThreshold ? Self.take(&s.buffer) : nil
        }
        if let pending { writeAll(pending) }
    }

    private static func take(_ buffer: inout [UInt8]) -> [UInt8] {
        defer { buffer.removeAll(keepingCapacity: true) }
        return buffer
    }

    /// Records a request that could not be parsed.
    func recordUnparsed(client: String, status: Int) {
        record(client: client, method: ArraySlice("-".utf8), target: [], versionMinor: 1, status: status, bytes: 0)
    }

    /// Records that a connection was closed because its client stopped reading
    /// (``ServeConfiguration/sendTimeout``): `"-" 408 -`.
    func recordSendTimeout(client: String) {
        recordUnparsed(client: client, status: 408)
    }

    /// Writes out buffered lines.
    public func flush() {
        let pending: [UInt8] = state.withLockedValue { s in
            defer { s.buffer.removeAll(keepingCapacity: true) }
            return s.buffer
        }
        if !pending.isEmpty { writeAll(pending) }
    }

    /// Writes out buffered lines and reports lines lost since the last report (at shutdown).
    public func finish() {
        flush()
        report(force: true)
    }

    private func writeAll(_ bytes: [UInt8]) {
        let failure: (lost: Int, errno: Int32)? = bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                guard let base = raw.baseAddress else { return nil }
                // Not Syscall.writeFully: on a failure the count of lines written matters.
                let n: Int
                let code: Int32
                do throws(SystemError) {
                    (n, code) = (
                        try Syscall.retrying("write") { write(descriptor, base + offset, raw.count - offset) }, ENOSPC
                    )
                } catch { (n, code) = (-1, error.errno) }
                guard n > 0 else {
                    let error = code
                    // Lines not completely written are lost (a partial line counts as lost).
                    let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                    return (rest.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }, error)
                }
                offset += n
            }
            return nil
        }
        guard let failure else { return }
        state.withLockedValue {
            $0.lostLines += failure.lost
            $0.lastError = failure.errno
        }
        report(force: false)
    }

    /// Tells the operator how many lines were lost: the first time at once, then at most once
    /// per ``reportInterval`` (a full disk must not turn into a flood on stderr), or when forced.
    private func report(force: Bool) {
        let now = Int64(time(nil))
        let message: String? = state.withLockedValue { s in
            let first = s.lastReport == .min
            guard s.lostLines > 0, first || force || now - s.lastReport >= Self.reportInterval else { return nil }
            let text =
                "hush: access log \(name): cannot write (\(SystemError.describe(s.lastError))); "
                + "\(s.lostLines) line\(s.lostLines == 1 ? "" : "s") lost"
                + (first ? "; further losses are reported at most once a minute" : " since the last warning")
            s.lostLines = 0
            s.lastReport = now
            return text
        }
        if let message { warn(message) }
    }

    /// `25/Nov/2026:08:00:00 +0000`
    static func timestamp(_ seconds: Int64) -> String {
        let c = HTTPDate.civil(fromEpochSeconds: seconds)
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return pad(c.day) + "/" + HTTPDate.monthNames[c.month - 1] + "/" + String(c.year) + ":"
            + pad(c.hour) + ":" + pad(c.minute) + ":" + pad(c.second) + " +0000"
    }
}
