import Foundation
import HushCore
import XCTest

@testable import HushServe

/// The health path and the metrics listener, on the real server over loopback.
final class OperationsTests: XCTestCase {
    private var fixture: Fixture!
    private var server: Server!

    private func start(_ change: (inout ServeConfiguration) -> Void = { _ in }) async throws {
        fixture = try Fixture.site()
        server = try await Server.start(
            configuration: fixture.configuration {
                $0.threads = 2
                $0.operations.healthPath = "/_health"
                change(&$0)
            }
        )
    }

    override func tearDown() async throws {
        await server?.stop()
        server = nil
        fixture = nil
    }

    private func get(_ target: String, _ fields: String = "") -> String {
        "GET \(target) HTTP/1.1\r\nHost: t\r\n\(fields)\r\n"
    }

    // MARK: Health

    func testHealthAnswers200NeverCachedAndStaysOutOfTheAccessLog() async throws {
        let log = NSTemporaryDirectory() + "hush-health-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        try await start { $0.accessLog = .file(log) }
        let connection = try RawConnection(port: server.localPort)
        for target in ["/_health", "/_health?from=lb"] {
            try connection.send(get(target))
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.text, "ok\n")
            XCTAssertEqual(response.header("Cache-Control"), "no-store")
        }
        try connection.send("HEAD /_health HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try connection.readResponse(bodyless: true).status, 200)
        try connection.send(get("/_healthz"))
        XCTAssertEqual(try connection.readResponse().status, 404)
        await server.stop()
        server = nil
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines.first?.contains("\"GET /_healthz HTTP/1.1\" 404") ?? false, "\(lines)")
    }

    func testHealthChecksAreLoggedWhenAsked() async throws {
        let log = NSTemporaryDirectory() + "hush-health-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        try await start {
            $0.accessLog = .file(log)
            $0.operations.logHealthChecks = true
        }
        let connection = try RawConnection(port: server.localPort)
        try connection.send(get("/_health"))
        XCTAssertEqual(try connection.readResponse().status, 200)
        await server.stop()
        server = nil
        let text = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertTrue(text.contains("\"GET /_health HTTP/1.1\" 200 3\n"), text)
    }

    func testHealthTurns503AtSIGTERMWhileFilesAreServedThroughTheShutdownDelay() async throws {
        try await start { $0.operations.shutdownDelay = 3 }
        let port = server.localPort
        let server = self.server!
        let stopping = Task { await server.stop() }
        var draining: RawConnection.Response?
        let turned = try await eventually(within: 2.5) {
            let connection = try RawConnection(port: port)
            try connection.send(get("/_health"))
            let response = try connection.readResponse()
            if response.status == 503 { draining = response }
            return response.status == 503
        }
        XCTAssertTrue(turned, "the health path answers 503 during the delay")
        XCTAssertEqual(draining?.text, "draining\n")
        XCTAssertEqual(draining?.header("Connection"), "close")
        XCTAssertEqual(draining?.header("Cache-Control"), "no-store")
        // Everything else is served as before until the listener closes.
        let connection = try RawConnection(port: port)
        try connection.send(get("/static/index.html"))
        XCTAssertEqual(try connection.readResponse().text, "<h1>home</h1>\n")
        await stopping.value
        self.server = nil
        XCTAssertThrowsError(try RawConnection(port: port), "the listener is closed after the delay")
    }

    // MARK: Metrics

    /// The samples of a scrape: `name{labels}` → value.
    private func scrape() throws -> [String: String] {
        let connection = try RawConnection(port: try XCTUnwrap(server.metricsPort))
        try connection.send("GET /metrics HTTP/1.1\r\nHost: m\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        var samples: [String: String] = [:]
        for line in response.text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            samples[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        return samples
    }

    func testMetricsCountKnownTrafficExactly() async throws {
        try await start {
            $0.operations.metricsListen = OperationsConfiguration.Address(host: "127.0.0.1", port: 0)
            $0.headerTimeout = 0.3
            $0.headers.notFound = "index.html"
        }
        // One keep-alive connection: 3 identity 200s, 2 br 200s, a 304, a 404 page, a health
        // check (not counted) and a 200 that asks to close.
        let a = try RawConnection(port: server.localPort)
        for _ in 0..<3 {
            try a.send(get("/static/js/app.js"))
            XCTAssertEqual(try a.readResponse().status, 200)
        }
        for _ in 0..<2 {
            try a.send(get("/static/css/app.0123456789ab.css", "Accept-Encoding: br\r\n"))
            XCTAssertEqual(try a.readResponse().header("Content-Encoding"), "br")
        }
        let tag = "\"" + MD5.hex(Array(String(repeating: "x", count: 1000).utf8)) + "\""
        try a.send(get("/static/js/app.js", "If-None-Match: \(tag)\r\n"))
        XCTAssertEqual(try a.readResponse().status, 304)
        try a.send(get("/static/nope.css"))
        XCTAssertEqual(try a.readResponse().status, 404)
        try a.send(get("/_health"))
        XCTAssertEqual(try a.readResponse().status, 200)
        try a.send(get("/static/docs/", "Connection: close\r\n"))
        XCTAssertEqual(try a.readResponse().status, 200)
        // One connection that never sends a head, one that sends garbage.
        let b = try RawConnection(port: server.localPort)
        let c = try RawConnection(port: server.localPort)
        try c.send("BAD\r\n\r\n")
        XCTAssertEqual(try c.readResponse().status, 400)
        XCTAssertTrue(try b.readUntilClosed())

        var samples: [String: String] = [:]
        let settled = try await eventually(within: 5) {
            samples = try scrape()
            return samples["hush_connections_open"] == "0.0"
        }
        XCTAssertTrue(settled, "\(samples)")
        XCTAssertEqual(samples["hush_http_requests_total{status=\"200\",coding=\"identity\"}"], "4")
        XCTAssertEqual(samples["hush_http_requests_total{status=\"200\",coding=\"br\"}"], "2")
        XCTAssertEqual(samples["hush_http_requests_total{status=\"304\",coding=\"identity\"}"], "1")
        XCTAssertEqual(samples["hush_http_requests_total{status=\"404\",coding=\"identity\"}"], "1")
        XCTAssertEqual(samples["hush_http_requests_total{status=\"400\",coding=\"identity\"}"], "1")
        XCTAssertEqual(samples.keys.filter { $0.hasPrefix("hush_http_requests_total{") }.count, 5, "\(samples)")
        // 3 × 1000 + 2 × 12 + the 404 page (14) + docs/index.html (14) + "Bad Request\n" (12).
        XCTAssertEqual(samples["hush_http_response_body_bytes_total"], "3064")
        XCTAssertEqual(samples["hush_connections_accepted_total"], "3")
        XCTAssertEqual(samples["hush_connections_closed_total{reason=\"requested\"}"], "1")
        XCTAssertEqual(samples["hush_connections_closed_total{reason=\"header_timeout\"}"], "1")
        XCTAssertEqual(samples["hush_connections_closed_total{reason=\"bad_request\"}"], "1")
        XCTAssertEqual(samples["hush_connections_closed_total{reason=\"idle_timeout\"}"], "0")
        XCTAssertEqual(samples["hush_reloads_total{result=\"success\"}"], "0")
        // Gauges are rendered as floating-point numbers.
        XCTAssertEqual(samples["hush_last_reload_success"], "1.0")
        XCTAssertEqual(samples["hush_table_files"], "7.0")
        // Every file of the site (siblings included) is small enough to be held in memory.
        XCTAssertEqual(samples["hush_table_bytes"], "\(server.tables.current.memoryBytes).0")
        XCTAssertEqual(samples["hush_table_memory_bytes"], "\(server.tables.current.memoryBytes).0")
    }

    func testMetricsCountReloadsAndTheLastOnesResult() async throws {
        try await start {
            $0.operations.metricsListen = OperationsConfiguration.Address(host: "127.0.0.1", port: 0)
            $0.headers.notFound = "docs/index.html"
        }
        let before = try XCTUnwrap(Double(try XCTUnwrap(try scrape()["hush_last_reload_timestamp_seconds"])))
        try server.reload()
        var samples = try scrape()
        XCTAssertEqual(samples["hush_reloads_total{result=\"success\"}"], "1")
        XCTAssertEqual(samples["hush_last_reload_success"], "1.0")
        XCTAssertGreaterThanOrEqual(Double(samples["hush_last_reload_timestamp_seconds"] ?? "") ?? 0, before)
        // The 404 page vanishes: the rescan fails, the old table stays.
        try fixture.remove("docs/index.html")
        XCTAssertThrowsError(try server.reload())
        samples = try scrape()
        XCTAssertEqual(samples["hush_reloads_total{result=\"success\"}"], "1")
        XCTAssertEqual(samples["hush_reloads_total{result=\"failure\"}"], "1")
        XCTAssertEqual(samples["hush_last_reload_success"], "0.0")
    }

    func testMetricsAreOnlyOnTheirOwnListener() async throws {
        try await start {
            $0.operations.metricsListen = OperationsConfiguration.Address(host: "127.0.0.1", port: 0)
            $0.prefix = "/"
        }
        let connection = try RawConnection(port: server.localPort)
        for target in ["/metrics", "/metrics/", "//metrics"] {
            try connection.send(get(target))
            XCTAssertEqual(try connection.readResponse().status, 404, target)
        }
        let metrics = try RawConnection(port: try XCTUnwrap(server.metricsPort))
        try metrics.send(get("/static/index.html"))
        XCTAssertEqual(try metrics.readResponse().status, 404)
        try metrics.send("POST /metrics HTTP/1.1\r\nHost: m\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(try metrics.readResponse().status, 405)
    }

    func testNoMetricsListenerByDefault() async throws {
        try await start()
        XCTAssertNil(server.metricsPort)
    }
}
