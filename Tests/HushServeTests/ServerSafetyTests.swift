import Foundation
import Glibc
import HushCore
import NIOConcurrencyHelpers
import XCTest

@testable import HushServe

/// The real server against clients and operators that break the happy path: clients that stop
/// reading or half-close, files truncated or overwritten in place under the server.
final class ServerSafetyTests: XCTestCase {
    private var fixture: Fixture!
    private var server: Server!
    /// What the server warned about on its operator channel (stderr in the CLI).
    private let warnings = NIOLockedValueBox<[String]>([])

    private func start(_ change: (inout ServeConfiguration) -> Void = { _ in }) async throws {
        fixture = try Fixture.site()
        let warnings = self.warnings
        server = try await Server.start(
            configuration: fixture.configuration {
                $0.threads = 2
                $0.memoryFileLimit = 0
                change(&$0)
            },
            warn: { line in warnings.withLockedValue { $0.append(line) } }
        )
    }

    override func tearDown() async throws {
        await server?.stop()
        server = nil
        fixture = nil
    }

    /// 12 MiB that differ from position to position, served with sendfile.
    private static let big = (0..<(12 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 13) }

    private func get(_ path: String) -> String { "GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n" }

    // MARK: Clients that stop reading (send timeout)

    func testClientsThatStopReadingAreClosedAfterTheSendTimeoutAndLogged() async throws {
        let log = NSTemporaryDirectory() + "hush-send-timeout-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        try await start {
            $0.maxConnections = 2
            $0.sendTimeout = 1
            $0.idleTimeout = 60
            $0.accessLog = .file(log)
        }
        try fixture.write("media/big.dat", Self.big)
        try server.reload()
        // Both slots taken by clients that ask for 12 MiB and never read a byte.
        var stalled: [RawConnection] = []
        for _ in 0..<2 {
            let connection = try RawConnection(port: server.localPort, receiveBuffer: 4096)
            try connection.send(get("/static/media/big.dat"))
            stalled.append(connection)
        }
        // A third client waits in the backlog; it gets in once the server gives up on a stalled one.
        let started = Date()
        let third = try RawConnection(port: server.localPort, timeout: 15)
        try third.send(get("/static/index.html"))
        XCTAssertEqual(try third.readResponse().text, "<h1>home</h1>\n")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        let server = self.server!
        let bothClosed = try await eventually(within: 10) { try await server.openConnectionCount() == 1 }
        XCTAssertTrue(bothClosed, "both stalled connections are closed, the reader stays")
        await server.stop()
        self.server = nil
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.hasSuffix("\"-\" 408 -") }.count, 2, lines.joined(separator: "\n"))
        withExtendedLifetime(stalled) {}
    }

    func testASlowButSteadyReaderIsNotCutBySendTimeout() async throws {
        try await start { $0.sendTimeout = 1 }
        try fixture.write("media/big.dat", Self.big)
        try server.reload()
        let connection = try RawConnection(port: server.localPort, timeout: 20, receiveBuffer: 64 << 10)
        try connection.send(get("/static/media/big.dat"))
        // Reads in pieces with pauses shorter than the send timeout; the whole transfer takes longer.
        var pauses = 0
        while connection.totalReceived < Self.big.count / 2, pauses < 10_000 {
            try connection.waitForBytes(connection.totalReceived + 1)
            if pauses < 4 {
                try await Task.sleep(nanoseconds: 600_000_000)
            }
            pauses += 1
        }
        XCTAssertEqual(try connection.readResponse().body, Self.big)
    }

    // MARK: Files truncated or rewritten under the server

    func testAFileTruncatedAfterLoadingIsNeverSentUnderItsOldHead() async throws {
        try await start()
        let path = try fixture.write("media/big.dat", Self.big, modified: 784_111_777)
        try server.reload()
        // Requested once, so the table holds its head (a file is opened on its first request).
        let loaded = try RawConnection(port: server.localPort, timeout: 10)
        try loaded.send("HEAD /static/media/big.dat HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try loaded.readResponse(bodyless: true).header("Content-Length"), "\(Self.big.count)")
        XCTAssertEqual(truncate(path, 1 << 20), 0)
        let connection = try RawConnection(port: server.localPort, timeout: 10)
        try connection.send(get("/static/media/big.dat"))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 503, "a head promising 12 MiB is not sent for a 1 MiB file")
        XCTAssertEqual(response.header("Retry-After"), "1")
        // The server reloads by itself; the file is then served as it now is.
        let port = server.localPort
        let served = try await eventually(within: 10) {
            let again = try RawConnection(port: port)
            try again.send(get("/static/media/big.dat"))
            let answer = try again.readResponse()
            return answer.status == 200 && answer.body == Array(Self.big[..<(1 << 20)])
                && answer.header("ETag") == "\"" + MD5.hex(Array(Self.big[..<(1 << 20)])) + "\""
        }
        XCTAssertTrue(served)
    }

    func testAFileTruncatedMidTransferClosesTheConnectionOnceWithAWarning() async throws {
        try await start()
        let path = try fixture.write("media/big.dat", Self.big)
        try server.reload()
        let connection = try RawConnection(port: server.localPort, timeout: 10, receiveBuffer: 4096)
        try connection.send(get("/static/media/big.dat"))
        try connection.waitForBytes(1)
        XCTAssertEqual(truncate(path, 1 << 20), 0)
        let started = Date()
        XCTAssertTrue(try connection.readUntilClosed(), "the connection is closed instead of left hanging")
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)
        XCTAssertLessThan(connection.totalReceived, Self.big.count)
        let warned = warnings.withLockedValue { $0 }.filter {
            $0.contains("media/big.dat changed on disk while being sent")
        }
        XCTAssertEqual(warned.count, 1, "\(warned)")
    }

    func testBytesOverwrittenInPlaceAreNeverSentUnderTheOldETag() async throws {
        try await start()
        let path = try fixture.write("media/big.dat", Self.big, modified: 784_111_777)
        try server.reload()
        let first = try RawConnection(port: server.localPort)
        try first.send(get("/static/media/big.dat"))
        XCTAssertEqual(try first.readResponse().header("ETag"), "\"" + MD5.hex(Self.big) + "\"")
        // Same size, other bytes, same inode (what `cp new STATIC_ROOT/old` does).
        let changed = Self.big.map { $0 ^ 0x5a }
        let fd = open(path, O_WRONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(changed.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }, changed.count)
        close(fd)
        let port = server.localPort
        var sawNewETag = false
        let settled = try await eventually(within: 10) {
            let again = try RawConnection(port: port)
            try again.send(get("/static/media/big.dat"))
            let answer = try again.readResponse()
            if answer.status == 503 { return false }
            XCTAssertEqual(answer.status, 200)
            XCTAssertEqual(answer.header("ETag"), "\"" + MD5.hex(answer.body) + "\"", "the ETag is of the bytes sent")
            sawNewETag = answer.header("ETag") == "\"" + MD5.hex(changed) + "\""
            return true
        }
        XCTAssertTrue(settled)
        XCTAssertTrue(sawNewETag)
    }

    func testALinkToAServedFileMovesItsCtimeButNotItsAnswer() async throws {
        // What every deploy does: hush collect hard-links retained hashed files and cached
        // siblings into the new tree, which moves the inode's ctime and nothing else.
        try await start()
        let path = try fixture.write("media/big.dat", Self.big, modified: 784_111_777)
        try server.reload()
        func ctime() -> Int {
            var info = stat()
            XCTAssertEqual(stat(path, &info), 0)
            return info.st_ctim.tv_sec * 1_000_000_000 + info.st_ctim.tv_nsec
        }
        let before = ctime()
        // ctime has the kernel's coarse clock resolution: link again until it has moved.
        var moved = false
        for _ in 0..<100_000 where !moved {
            _ = unlink(path + ".linked-by-a-deploy")
            XCTAssertEqual(link(path, path + ".linked-by-a-deploy"), 0)
            moved = ctime() != before
        }
        XCTAssertTrue(moved, "linking moves ctime")
        let connection = try RawConnection(port: server.localPort)
        try connection.send(get("/static/media/big.dat"))
        let answer = try connection.readResponse()
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.header("ETag"), "\"" + MD5.hex(Self.big) + "\"")
        XCTAssertTrue(answer.body == Self.big, "the file's bytes, \(answer.body.count) bytes received")
    }

    // MARK: Half-closed clients

    func testAHalfClosedClientGetsTheWholeLargeFile() async throws {
        try await start()
        try fixture.write("media/big.dat", Self.big)
        try server.reload()
        let connection = try RawConnection(port: server.localPort, timeout: 20)
        try connection.send(get("/static/media/big.dat"))
        try connection.shutdownWrite()
        XCTAssertEqual(try connection.readResponse().body, Self.big)
        XCTAssertTrue(try connection.readUntilClosed())
    }

    func testAHalfClosedClientGetsEveryPipelinedAnswer() async throws {
        try await start { $0.memoryFileLimit = 1 << 20 }
        // Answers from memory, 19 MB in all: more than the socket buffers hold, so the half-close
        // is read while answers are still held back.
        let body = [UInt8](repeating: 42, count: 64 << 10)
        try fixture.write("media/chunk.bin", body)
        try server.reload()
        let connection = try RawConnection(port: server.localPort, timeout: 20)
        try connection.send(String(repeating: get("/static/media/chunk.bin"), count: 300))
        try connection.shutdownWrite()
        var answered = 0
        for _ in 0..<300 {
            guard let response = try? connection.readResponse(), response.status == 200, response.body == body else {
                break
            }
            answered += 1
        }
        XCTAssertEqual(answered, 300)
        XCTAssertTrue(try connection.readUntilClosed())
    }
}
