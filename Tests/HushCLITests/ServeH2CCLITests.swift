import Foundation
import Glibc
import XCTest

/// `hush serve --h2c` end to end: the flag and its variable reach the server, which then answers
/// the HTTP/2 preface with SETTINGS and an `Upgrade: h2c` request with 101; without it the
/// preface is an HTTP/1.1 request line like any other. (The HTTP/2 answers themselves are
/// tested against the server in HushServeTests' HTTP2Tests.)
final class ServeH2CCLITests: XCTestCase {
    private static let binary = hushBinary
    private static let preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    private static let emptySettings: [UInt8] = [0, 0, 0, 4, 0, 0, 0, 0, 0]

    private var root: String!

    override func setUpWithError() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.binary), "build first: \(Self.binary)")
        root = NSTemporaryDirectory() + "hush-cli-h2c-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("<h1>hi</h1>\n".utf8).write(to: URL(fileURLWithPath: root + "/index.html"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (HushProcess, Int) {
        let hush = try HushProcess(["serve", "--root", root, "--port", "0"] + arguments, environment: environment)
        let line = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving"))
        let digits = line.split(separator: ":").last?.prefix { $0.isNumber } ?? ""
        return (hush, try XCTUnwrap(Int(digits)))
    }

    /// The server's first frame after the preface: SETTINGS (type 4) on stream 0.
    private func assertSpeaksHTTP2(_ port: Int) throws {
        let connection = try RawConnection(port: port)
        try connection.send(Self.preface)
        try connection.send(Self.emptySettings)
        let header = try connection.readBytes(9)
        XCTAssertEqual(header[3], 4, "SETTINGS")
        XCTAssertEqual(header[5...8].reduce(0) { $0 | $1 }, 0, "stream 0")
    }

    func testH2cAnswersThePrefaceAndTheUpgrade() throws {
        let (hush, port) = try start(["--h2c", "--h2c-max-streams", "32"])
        try assertSpeaksHTTP2(port)
        let connection = try RawConnection(port: port)
        try connection.send(
            "GET /static/index.html HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAA\r\n\r\n"
        )
        XCTAssertEqual(try connection.readResponse(bodyless: true).status, 101)
        // HTTP/1.1 is still served on the same port.
        let plain = try RawConnection(port: port)
        try plain.send("GET /static/index.html HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try plain.readResponse().text, "<h1>hi</h1>\n")
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testHUSH_H2CTurnsItOn() throws {
        let (hush, port) = try start([], environment: ["HUSH_H2C": "1"])
        try assertSpeaksHTTP2(port)
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testWithoutH2cThePrefaceIsAnHTTP1RequestAnswered505() throws {
        let (hush, port) = try start([])
        let connection = try RawConnection(port: port)
        try connection.send(Self.preface)
        XCTAssertEqual(try connection.readResponse().status, 505)
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testAMaxStreamsOfZeroIsOneLineAndStatusOne() throws {
        let hush = try HushProcess(["serve", "--root", root, "--port", "0", "--h2c", "--h2c-max-streams", "0"])
        XCTAssertEqual(hush.waitForExit(), 1)
        XCTAssertEqual(hush.stderrText, "hush: --h2c-max-streams 0: expected 1 or more\n")
    }
}
