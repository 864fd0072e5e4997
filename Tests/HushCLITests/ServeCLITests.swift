import Foundation
import Glibc
import XCTest

/// `hush serve` end to end: the real binary, its start-up line, signals and exit codes.
final class ServeCLITests: XCTestCase {
    /// The binary built beside the tests, so that `make test-sanitize` runs its own sanitized one.
    private static let binary = hushBinary

    private var root: String!

    override func setUpWithError() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.binary), "build first: \(Self.binary)")
        root = NSTemporaryDirectory() + "hush-cli-serve-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/css", withIntermediateDirectories: true)
        try Data("body{}\n".utf8).write(to: URL(fileURLWithPath: root + "/css/app.0123456789ab.css"))
        try Data("<h1>hi</h1>\n".utf8).write(to: URL(fileURLWithPath: root + "/index.html"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/.secret"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func testPrintsTheStartupLineServesAndExitsZeroOnSIGTERM() throws {
        let hush = try HushProcess(["serve", "--root", root, "--port", "0"])
        let line = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving"))
        let port = try XCTUnwrap(Self.port(in: line))
        XCTAssertEqual(line, "hush: serving \(root!) at http://127.0.0.1:\(port)/static/ (2 files)")
        let connection = try RawConnection(port: port)
        try connection.send("GET /static/css/app.0123456789ab.css HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Cache-Control"), "public, max-age=315360000, immutable")
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testSIGINTAlsoStopsWithExitZero() throws {
        let hush = try HushProcess(["serve", "--root", root, "--port", "0"])
        XCTAssertNotNil(hush.waitForStdoutLine(containing: "hush: serving"))
        hush.signal(SIGINT)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testEnvironmentConfiguresEveryFlagAndPORTIsHonoured() throws {
        let hush = try HushProcess(
            ["serve"],
            environment: [
                "HUSH_ROOT": root, "PORT": "0", "HUSH_PREFIX": "assets", "HUSH_MAX_AGE": "5", "HUSH_NO_CORS": "1",
                "HUSH_THREADS": "1", "HUSH_MEMORY_CACHE": "1MiB",
            ]
        )
        let line = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving"))
        let port = try XCTUnwrap(Self.port(in: line))
        XCTAssertTrue(line.hasSuffix(":\(port)/assets/ (2 files)"), line)
        let connection = try RawConnection(port: port)
        try connection.send("GET /assets/index.html HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.header("Cache-Control"), "public, max-age=5")
        XCTAssertNil(response.header("Access-Control-Allow-Origin"))
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testFlagsWinOverEnvironment() throws {
        let hush = try HushProcess(
            ["serve", "--root", root, "--prefix", "/b/", "--port", "0"],
            environment: ["HUSH_PREFIX": "/a/", "HUSH_PORT": "1", "HUSH_ROOT": "/nonexistent"]
        )
        let line = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving"))
        XCTAssertTrue(line.contains("/b/ (2 files)"), line)
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testSIGHUPRescansAndServesNewFiles() throws {
        let hush = try HushProcess(["serve", "--root", root, "--port", "0"])
        let port = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving").flatMap(Self.port(in:)))
        try Data("new".utf8).write(to: URL(fileURLWithPath: root + "/new.txt"))
        let before = try RawConnection(port: port)
        try before.send("GET /static/new.txt HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try before.readResponse().status, 404)
        hush.signal(SIGHUP)
        XCTAssertEqual(hush.waitForStderrLine(containing: "hush: reloaded"), "hush: reloaded \(root!) (3 files)")
        try before.send("GET /static/new.txt HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try before.readResponse().text, "new", "the same keep-alive connection sees the new table")
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testSIGHUPUnderLoadFailsNoRequest() throws {
        let hush = try HushProcess(["serve", "--root", root, "--port", "0", "--threads", "2"])
        let port = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving").flatMap(Self.port(in:)))
        let state = LoadState()
        let finished = DispatchSemaphore(value: 0)
        let client = Thread {
            defer { finished.signal() }
            let deadline = Date().addingTimeInterval(HushProcess.timeout)
            var connection: RawConnection?
            var sent = 0
            while !state.stopped, Date() < deadline {
                do {
                    // Mostly keep-alive, with a fresh connection every 50 requests.
                    if connection == nil || sent % 50 == 0 { connection = try RawConnection(port: port) }
                    sent += 1
                    try connection?.send("GET /static/index.html HTTP/1.1\r\nHost: t\r\n\r\n")
                    let response = try connection?.readResponse()
                    if response?.status == 200, response?.text == "<h1>hi</h1>\n" {
                        state.succeeded()
                    } else {
                        state.failed()
                    }
                } catch {
                    state.failed()
                    connection = nil
                }
            }
        }
        client.start()
        for reload in 1...10 {
            // Each reload waits for requests to be flowing, so reloads land among requests in flight.
            XCTAssertTrue(state.waitForProgress(), "the client made no progress")
            try Data("v\(reload)".utf8).write(to: URL(fileURLWithPath: root + "/live-\(reload).txt"))
            hush.signal(SIGHUP)
            XCTAssertTrue(
                hush.waitForStderrLines(containing: "hush: reloaded", count: reload),
                "reload \(reload) not reported"
            )
        }
        state.stop()
        XCTAssertEqual(finished.wait(timeout: .now() + HushProcess.timeout), .success)
        XCTAssertEqual(state.failures, 0)
        XCTAssertGreaterThanOrEqual(state.successes, 10)
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testAccessLogWritesCommonLogFormat() throws {
        let log = root + "-access.log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let hush = try HushProcess(["serve", "--root", root, "--port", "0", "--access-log", log])
        let port = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving").flatMap(Self.port(in:)))
        let connection = try RawConnection(port: port)
        try connection.send(
            "GET /static/index.html?x=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /static/missing HTTP/1.1\r\nHost: t\r\n\r\n"
        )
        _ = try connection.readResponse()
        _ = try connection.readResponse()
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let pattern =
            #"^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET /static/index\.html\?x=1 HTTP/1\.1" 200 12$"#
        XCTAssertNotNil(lines[0].range(of: pattern, options: .regularExpression), String(lines[0]))
        XCTAssertTrue(lines[1].hasSuffix("\"GET /static/missing HTTP/1.1\" 404 10"), String(lines[1]))
    }

    func testAFailingAccessLogIsReportedOnStderrAtMostOncePerMinute() throws {
        // /dev/full fails every write with ENOSPC, as a full disk does.
        let hush = try HushProcess(
            ["serve", "--root", root, "--port", "0", "--access-log", "/dev/full"],
            environment: ["HUSH_SEND_TIMEOUT": "5"]
        )
        let port = try XCTUnwrap(hush.waitForStdoutLine(containing: "hush: serving").flatMap(Self.port(in:)))
        let connection = try RawConnection(port: port)
        for _ in 0..<2 {
            try connection.send("GET /static/index.html HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try connection.readResponse().status, 200)
        }
        let first = try XCTUnwrap(
            hush.waitForStderrLine(containing: "access log"),
            "a failing access log is not silent"
        )
        XCTAssertTrue(first.hasPrefix("hush: access log /dev/full: cannot write (No space left on device)"), first)
        for _ in 0..<3 {
            try connection.send("GET /static/index.html HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try connection.readResponse().status, 200)
        }
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
        // Within the minute only the first failure is reported as it happens; the lines lost
        // after it are counted once more at exit.
        let warnings = hush.stderrText.split(separator: "\n").filter { $0.contains("access log") }
        XCTAssertEqual(warnings.count, 2, warnings.joined(separator: "\n"))
        let lost = warnings.compactMap { line -> Int? in
            guard let range = line.range(of: #"[0-9]+ lines? lost"#, options: .regularExpression) else { return nil }
            return Int(line[range].prefix { $0.isNumber })
        }
        XCTAssertEqual(lost.reduce(0, +), 5, warnings.joined(separator: "\n"))
    }

    func testAFIFOInTheRootBlocksNeitherLoadNorReloadNorSIGTERM() throws {
        XCTAssertEqual(mkfifo(root + "/css/pipe.css", 0o644), 0)
        let hush = try HushProcess(["serve", "--root", root, "--port", "0"])
        XCTAssertNotNil(hush.waitForStdoutLine(containing: "(2 files)"), "the FIFO is left out")
        hush.signal(SIGHUP)
        XCTAssertNotNil(hush.waitForStderrLine(containing: "hush: reloaded"))
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
    }

    func testSendTimeoutMustBePositive() throws {
        let hush = try HushProcess(["serve", "--root", root, "--port", "0", "--send-timeout", "0"])
        XCTAssertEqual(hush.waitForExit(), 1)
        XCTAssertEqual(hush.stderrText, "hush: --send-timeout must be a positive number of seconds\n")
    }

    /// A variable is checked as its flag is, and fails the same way: one line, status 1.
    func testAMalformedVariableIsOneLine() throws {
        let hush = try HushProcess(["serve", "--root", root], environment: ["HUSH_PORT": "eighty"])
        XCTAssertEqual(hush.waitForExit(), 1)
        XCTAssertEqual(hush.stderrText, "hush: HUSH_PORT=eighty: expected a whole number\n")
    }

    func testMissingRootFailsWithOneActionableLine() throws {
        let hush = try HushProcess(["serve", "--root", root + "/nope", "--port", "0"])
        XCTAssertEqual(hush.waitForExit(), 1)
        let stderr = hush.stderrText.trimmingCharacters(in: .newlines)
        XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
        XCTAssertTrue(stderr.hasPrefix("hush: \(root!)/nope: not a directory"), stderr)
    }

    func testNoRootAtAllFails() throws {
        let hush = try HushProcess(["serve", "--port", "0"])
        XCTAssertEqual(hush.waitForExit(), 1)
        XCTAssertTrue(hush.stderrText.contains("HUSH_ROOT"), hush.stderrText)
    }

    func testPortInUseFailsWithOneLine() throws {
        let first = try HushProcess(["serve", "--root", root, "--port", "0"])
        let port = try XCTUnwrap(first.waitForStdoutLine(containing: "hush: serving").flatMap(Self.port(in:)))
        let second = try HushProcess(["serve", "--root", root, "--port", "\(port)"])
        XCTAssertEqual(second.waitForExit(), 1)
        XCTAssertTrue(second.stderrText.hasPrefix("hush: cannot listen on 127.0.0.1:\(port)"), second.stderrText)
        first.signal(SIGTERM)
        XCTAssertEqual(first.waitForExit(), 0)
    }

    private static func port(in line: String) -> Int? {
        guard let match = line.range(of: #":[0-9]+/"#, options: .regularExpression) else { return nil }
        return Int(line[match].dropFirst().dropLast())
    }
}

/// The `hush` binary as a child process, with its output collected as it arrives.
final class HushProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private let changed = DispatchSemaphore(value: 0)
    private var stdoutData = Data(), stderrData = Data()
    private let exited = DispatchSemaphore(value: 0)
    private let out = Pipe(), err = Pipe()
    private let cache: TemporaryDirectory

    /// How long any wait may take before the test fails instead of hanging.
    static let timeout: TimeInterval = 30

    /// `executable` is `hush` unless a launcher runs it (`systemd-socket-activate`).
    init(_ arguments: [String], environment: [String: String] = [:], executable: String = hushBinary) throws {
        cache = try TemporaryDirectory("hush-serve-cache")
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HUSH_") && $0.key != "PORT" }
        // A cache directory of its own (its digest cache file), removed with this object, unless
        // the test names one: never the user's ~/.cache/hush.
        env["HUSH_CACHE_DIR"] = cache.path
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.append(handle.availableData, toStdout: true)
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.append(handle.availableData, toStdout: false)
        }
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
    }

    deinit {
        if process.isRunning {
            process.interrupt()
            kill(process.processIdentifier, SIGKILL)
        }
    }

    private func append(_ data: Data, toStdout: Bool) {
        lock.lock()
        if toStdout { stdoutData.append(data) } else { stderrData.append(data) }
        lock.unlock()
        changed.signal()
    }

    var stdoutText: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: stdoutData, as: UTF8.self)
    }
    var stderrText: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: stderrData, as: UTF8.self)
    }

    func waitForStdoutLine(containing needle: String) -> String? { waitForLine(containing: needle) { self.stdoutText } }
    func waitForStderrLine(containing needle: String) -> String? { waitForLine(containing: needle) { self.stderrText } }

    /// Blocks until a complete line containing `needle` has been printed, the process exits, or
    /// the timeout passes.
    private func waitForLine(containing needle: String, _ text: () -> String) -> String? {
        let deadline = Date().addingTimeInterval(Self.timeout)
        while true {
            if let line = text().split(separator: "\n").first(where: { $0.contains(needle) }) { return String(line) }
            if !process.isRunning || Date() > deadline { return nil }
            _ = changed.wait(timeout: .now() + 0.5)
        }
    }

    /// Blocks until `count` stderr lines contain `needle` (or the process exits, or the timeout).
    func waitForStderrLines(containing needle: String, count: Int) -> Bool {
        let deadline = Date().addingTimeInterval(Self.timeout)
        while true {
            if stderrText.split(separator: "\n").filter({ $0.contains(needle) }).count >= count { return true }
            if !process.isRunning || Date() > deadline { return false }
            _ = changed.wait(timeout: .now() + 0.5)
        }
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// The exit status, or nil if the process is still running after the timeout. Output the
    /// process wrote before exiting is all collected when this returns.
    func waitForExit() -> Int32? {
        guard exited.wait(timeout: .now() + Self.timeout) == .success else { return nil }
        for (pipe, isStdout) in [(out, true), (err, false)] {
            pipe.fileHandleForReading.readabilityHandler = nil
            append(pipe.fileHandleForReading.readDataToEndOfFile(), toStdout: isStdout)
        }
        return process.terminationStatus
    }
}

/// Counters shared between a load thread and the test.
final class LoadState: @unchecked Sendable {
    private let lock = NSLock()
    private let progress = DispatchSemaphore(value: 0)
    private var ok = 0, bad = 0, stopFlag = false

    var successes: Int {
        lock.lock()
        defer { lock.unlock() }
        return ok
    }
    var failures: Int {
        lock.lock()
        defer { lock.unlock() }
        return bad
    }
    var stopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopFlag
    }

    func succeeded() {
        lock.lock()
        ok += 1
        lock.unlock()
        progress.signal()
    }

    func failed() {
        lock.lock()
        bad += 1
        lock.unlock()
    }
    func stop() {
        lock.lock()
        stopFlag = true
        lock.unlock()
    }

    /// Waits for one more successful request (bounded).
    func waitForProgress() -> Bool { progress.wait(timeout: .now() + HushProcess.timeout) == .success }
}
