import Foundation
import Glibc
import XCTest

/// `hush serve`'s header, health and metrics flags end to end: the real binary.
final class ServeOperationsCLITests: XCTestCase {
    private var root: String!

    override func setUpWithError() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: hushBinary), "build first: \(hushBinary)")
        root = NSTemporaryDirectory() + "hush-cli-ops-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/fonts", withIntermediateDirectories: true)
        try Data("<h1>hi</h1>\n".utf8).write(to: URL(fileURLWithPath: root + "/index.html"))
        try Data("<h1>gone</h1>\n".utf8).write(to: URL(fileURLWithPath: root + "/404.html"))
        try Data([0, 1, 2]).write(to: URL(fileURLWithPath: root + "/fonts/f.woff2"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private static func ports(in line: String) -> [Int] {
        var ports: [Int] = []
        var rest = line[...]
        while let match = rest.range(of: #":[0-9]+/"#, options: .regularExpression) {
            ports.append(Int(rest[match].dropFirst().dropLast()) ?? 0)
            rest = rest[match.upperBound...]
        }
        return ports
    }

    private func get(_ port: Int, _ target: String, _ fields: String = "") throws -> RawConnection.Response {
        let connection = try RawConnection(port: port)
        try connection.send("GET \(target) HTTP/1.1\r\nHost: t\r\n\(fields)\r\n")
        return try connection.readResponse()
    }

    func testHeaderHealthAndMetricsFlagsReachTheServer() throws {
        let hush = try HushProcess([
            "serve", "--root", root, "--port", "0", "--header", "*.woff2: Cross-Origin-Resource-Policy: cross-origin",
            "--cors-origin", "https://App.example", "--not-found", "404.html", "--health-path", "/_health",
            "--metrics-listen", "127.0.0.1:0",
        ])
        let line = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving"))
        let ports = Self.ports(in: line)
        XCTAssertEqual(ports.count, 2, line)
        XCTAssertTrue(line.hasSuffix("/metrics\n") || line.hasSuffix("/metrics"), line)
        let font = try get(ports[0], "/static/fonts/f.woff2", "Origin: https://app.example\r\n")
        XCTAssertEqual(font.header("Cross-Origin-Resource-Policy"), "cross-origin")
        XCTAssertEqual(font.header("Access-Control-Allow-Origin"), "https://app.example")
        XCTAssertEqual(font.header("X-Content-Type-Options"), "nosniff")
        let missing = try get(ports[0], "/static/nope")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.text, "<h1>gone</h1>\n")
        XCTAssertEqual(try get(ports[0], "/_health").text, "ok\n")
        let scrape = try get(ports[1], "/metrics")
        XCTAssertTrue(
            scrape.text.contains("hush_http_requests_total{status=\"404\",coding=\"identity\"} 1\n"),
            scrape.text
        )
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testHealthAnswers503DuringTheShutdownDelayAfterSIGTERM() throws {
        let hush = try HushProcess([
            "serve", "--root", root, "--port", "0", "--health-path", "/_health", "--shutdown-delay", "2",
        ])
        let line = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving"))
        let port = try XCTUnwrap(Self.ports(in: line).first)
        XCTAssertEqual(try get(port, "/_health").status, 200)
        hush.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(1.5)
        var status = 200
        while Date() < deadline, status == 200 {
            status = try get(port, "/_health").status
        }
        XCTAssertEqual(status, 503)
        XCTAssertEqual(try get(port, "/static/index.html").status, 200)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testARefusedHeaderRuleIsOneLineNamingTheFlag() throws {
        let hush = try HushProcess(["serve", "--root", root, "--port", "0", "--header", "*: Content-Length: 5"])
        XCTAssertEqual(hush.waitForExit(), 1)
        XCTAssertEqual(
            hush.stderrText,
            "hush: --header '*: Content-Length: 5': Content-Length cannot be set by a rule: a framing field\n"
        )
    }

    func testABadOriginOrAMissingPageIsOneLine() throws {
        let origin = try HushProcess(["serve", "--root", root, "--port", "0", "--cors-origin", "app.example"])
        XCTAssertEqual(origin.waitForExit(), 1)
        XCTAssertEqual(
            origin.stderrText,
            "hush: --cors-origin app.example: 'app.example' is not an origin: expected scheme://host[:port] with no path, or '*'\n"
        )
        let page = try HushProcess(["serve", "--root", root, "--port", "0", "--fallback", "app.html"])
        XCTAssertEqual(page.waitForExit(), 1)
        XCTAssertEqual(
            page.stderrText,
            "hush: --fallback app.html: no such file in the root (name a file below STATIC_ROOT)\n"
        )
        let metrics = try HushProcess(["serve", "--root", root, "--port", "0", "--metrics-listen", "9464"])
        XCTAssertEqual(metrics.waitForExit(), 1)
        XCTAssertEqual(metrics.stderrText, "hush: --metrics-listen 9464: expected HOST:PORT, e.g. 127.0.0.1:9464\n")
    }
}
