import Glibc
import HushCore
import NIOConcurrencyHelpers
import NIOCore
import Prometheus

/// Why a connection closed, as the metrics count it.
enum CloseReason: Int, CaseIterable {
    /// The client closed it (or reset it) between requests.
    case client
    /// The request asked for it: `Connection: close`, HTTP/1.0 without keep-alive, a request body.
    case requested
    /// A request that could not be framed (400, 414, 431, 505).
    case badRequest
    case headerTimeout
    case idleTimeout
    case sendTimeout
    /// A file changed on disk while being sent.
    case fileChanged
    /// A graceful stop.
    case shutdown
    /// A socket error, or a body that could not be sent.
    case error

    var label: String {
        switch self {
        case .client: return "client"
        case .requested: return "requested"
        case .badRequest: return "bad_request"
        case .headerTimeout: return "header_timeout"
        case .idleTimeout: return "idle_timeout"
        case .sendTimeout: return "send_timeout"
        case .fileChanged: return "file_changed"
        case .shutdown: return "shutdown"
        case .error: return "error"
        }
    }
}

/// One event loop's counts: plain integers, touched only on that loop, so counting a request
/// costs a few additions and never a shared cache line or an atomic. A scrape sums the loops'
/// counters on their own loops (``ServeMetrics/scrape(table:)``).
final class LoopCounters {
    /// The statuses Hush sends; anything else counts under the last slot.
    static let statuses = [200, 206, 301, 304, 400, 404, 405, 408, 412, 414, 416, 431, 503, 505]
    /// `identity`, then every ``ContentCoding``.
    static let codingCount = ContentCoding.allCases.count + 1

    static let requestSlots = (statuses.count + 1) * codingCount
    /// Requests by status slot × coding slot. Raw memory rather than an array: no uniqueness or
    /// exclusivity check per count (callgrind, a 304: ~215 instructions a request with an array and
    /// `allCases`, ~80 with this).
    private let requestCounts = UnsafeMutablePointer<Int>.allocate(capacity: requestSlots)
    var bodyBytes = 0
    var opened = 0
    var closed = [Int](repeating: 0, count: CloseReason.allCases.count)
    /// ``ContentCoding``'s cases, made once.
    private static let codings = ContentCoding.allCases

    init() {
        requestCounts.initialize(repeating: 0, count: Self.requestSlots)
    }

    deinit {
        requestCounts.deallocate()
    }

    var requests: [Int] { Array(UnsafeBufferPointer(start: requestCounts, count: Self.requestSlots)) }

    @inline(__always)
    func request(status: Int, coding: ContentCoding?, bodyBytes: Int) {
        requestCounts[Self.statusSlot(status) * Self.codingCount + Self.codingSlot(coding)] += 1
        self.bodyBytes += bodyBytes
    }

    @inline(__always)
    static func statusSlot(_ status: Int) -> Int {
        switch status {
        case 200: return 0
        case 206: return 1
        case 304: return 3
        case 404: return 5
        default: return statuses.firstIndex(of: status) ?? statuses.count
        }
    }

    @inline(__always)
    static func codingSlot(_ coding: ContentCoding?) -> Int {
        guard let coding else { return 0 }
        return (codings.firstIndex(of: coding) ?? 0) + 1
    }

    /// A copy of the counts, to be summed off this loop.
    struct Snapshot: Sendable {
        var requests: [Int]
        var bodyBytes: Int
        var opened: Int
        var closed: [Int]

        static func + (a: Snapshot, b: Snapshot) -> Snapshot {
            Snapshot(
                requests: zip(a.requests, b.requests).map(+),
                bodyBytes: a.bodyBytes + b.bodyBytes,
                opened: a.opened + b.opened,
                closed: zip(a.closed, b.closed).map(+)
            )
        }
    }

    var snapshot: Snapshot { Snapshot(requests: requests, bodyBytes: bodyBytes, opened: opened, closed: closed) }
}

/// Rescans and their outcome, for the metrics: the start-up load counts as the first success.
final class ReloadHistory: Sendable {
    struct Record: Sendable {
        var succeeded = 0
        var failed = 0
        var lastSucceeded = true
        var lastTime = Double(time(nil))
    }

    private let record = NIOLockedValueBox(Record())

    var current: Record { record.withLockedValue { $0 } }

    func reloaded(succeeded: Bool) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        record.withLockedValue {
            if succeeded { $0.succeeded += 1 } else { $0.failed += 1 }
            $0.lastSucceeded = succeeded
            $0.lastTime = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        }
    }
}

/// The server's metrics: per-loop counters and what a scrape renders from them, in Prometheus'
/// text exposition format (rendered with swift-prometheus, at scrape time only).
final class ServeMetrics: Sendable {
    /// Each loop's counters, made on that loop by its first connection.
    private let loops: [(loop: any EventLoop, counters: NIOLoopBoundBox<LoopCounters?>)]
    let reloads: ReloadHistory
    private let tables: TableBox

    init(loops: [any EventLoop], reloads: ReloadHistory, tables: TableBox) {
        self.loops = loops.map { ($0, NIOLoopBoundBox.makeEmptyBox(valueType: LoopCounters.self, eventLoop: $0)) }
        self.reloads = reloads
        self.tables = tables
    }

    /// The counters of `loop`; call on that loop (a channel initializer does).
    func counters(for loop: any EventLoop) -> LoopCounters? {
        guard let box = loops.first(where: { $0.loop === loop })?.counters else { return nil }
        if let counters = box.value { return counters }
        let counters = LoopCounters()
        box.value = counters
        return counters
    }

    /// Every loop's counts, summed.
    func snapshot(on loop: any EventLoop) -> EventLoopFuture<LoopCounters.Snapshot> {
        let parts = loops.map { entry in entry.loop.submit { (entry.counters.value ?? LoopCounters()).snapshot } }
        return EventLoopFuture.whenAllSucceed(parts, on: loop).map { $0.dropFirst().reduce($0[0], +) }
    }

    /// The exposition of `counts` and of the current table and reload history.
    func render(_ counts: LoopCounters.Snapshot) -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        }
        func counter(name: String, labels: [(String, String)] = [], help: String) -> Counter {
            registry.makeCounter(descriptor: descriptor(name, help), labels: labels)
        }
        func gauge(name: String, help: String) -> Gauge {
            registry.makeGauge(descriptor: descriptor(name, help), labels: [])
        }
        let codings = ["identity"] + ContentCoding.allCases.map(\.token)
        for (slot, count) in counts.requests.enumerated() where count > 0 {
            let status = slot / LoopCounters.codingCount
            let code = status < LoopCounters.statuses.count ? String(LoopCounters.statuses[status]) : "other"
            counter(
                name: "hush_http_requests_total",
                labels: [("status", code), ("coding", codings[slot % LoopCounters.codingCount])],
                help: "Requests answered, by status and content coding."
            ).increment(by: Int64(count))
        }
        counter(name: "hush_http_response_body_bytes_total", help: "Body bytes of responses sent.")
            .increment(by: Int64(counts.bodyBytes))
        counter(name: "hush_connections_accepted_total", help: "Connections accepted.")
            .increment(by: Int64(counts.opened))
        gauge(name: "hush_connections_open", help: "Connections open now.")
            .set(Int64(counts.opened - counts.closed.reduce(0, +)))
        for reason in CloseReason.allCases {
            counter(
                name: "hush_connections_closed_total",
                labels: [("reason", reason.label)],
                help: "Connections closed, by reason (timeouts among them)."
            ).increment(by: Int64(counts.closed[reason.rawValue]))
        }
        let reloads = self.reloads.current
        for (result, count) in [("success", reloads.succeeded), ("failure", reloads.failed)] {
            counter(
                name: "hush_reloads_total",
                labels: [("result", result)],
                help: "Rescans of the root after start-up (SIGHUP, or a file changed on disk)."
            ).increment(by: Int64(count))
        }
        gauge(
            name: "hush_last_reload_success",
            help: "1 if the last load of the root (at start-up or a rescan) succeeded, else 0."
        ).set(Int64(reloads.lastSucceeded ? 1 : 0))
        gauge(
            name: "hush_last_reload_timestamp_seconds",
            help: "When the last load of the root ended, in seconds since the epoch."
        ).set(reloads.lastTime)
        let table = tables.current
        // Only what requests have opened: summing every file would open the whole root.
        var bytes = 0
        let made = table.madeResources
        for resource in made {
            bytes += resource.identity.length
            for variant in resource.variants { bytes += variant.length }
            for delta in resource.deltas { bytes += delta.representation.length }
        }
        gauge(name: "hush_table_files", help: "Files (URLs) the table serves.").set(Int64(table.count))
        gauge(name: "hush_table_opened_files", help: "Files requests have opened so far (opened on first request).")
            .set(Int64(made.count))
        gauge(name: "hush_table_bytes", help: "Bytes of every representation of the opened files.")
            .set(Int64(bytes))
        gauge(name: "hush_table_memory_bytes", help: "Bytes of file content held in memory.")
            .set(Int64(table.memoryBytes))
        return registry.emitToBuffer()
    }
}
