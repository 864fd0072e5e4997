import Foundation
import Glibc
import HushSystem
import HushTestSupport
import XCTest

@testable import HushServe

/// Behind a proxy: trusted-proxy ranges, the client address from forwarding headers (nginx's
/// `real_ip_recursive on` rules), the JSON access log's escaping, and the unix socket's life.
final class ProxyTests: XCTestCase {
    private func resolver(
        _ ranges: [String],
        unix: Bool = false,
        header: ForwardedHeader = .xForwardedFor
    ) -> ClientAddressResolver {
        ClientAddressResolver(trustedProxies: ranges.compactMap(AddressRange.init), trustUnixPeer: unix, header: header)
    }

    private func client(_ r: ClientAddressResolver, peer: String, _ fields: [String]) -> String {
        let head = "GET / HTTP/1.1\r\nHost: t\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n"
        return Array(head.utf8).withUnsafeBytes { r.client(peer: peer, head: $0) }
    }

    // MARK: Ranges

    func testRangesMatchTheirNetworkInBothFamiliesAndMappedIPv4() throws {
        let v4 = try XCTUnwrap(AddressRange("10.0.0.0/8"))
        XCTAssertTrue(v4.contains(try XCTUnwrap(AddressRange.parseAddress("10.200.1.2")).0))
        XCTAssertTrue(v4.contains(try XCTUnwrap(AddressRange.parseAddress("::ffff:10.1.2.3")).0))
        XCTAssertFalse(v4.contains(try XCTUnwrap(AddressRange.parseAddress("11.0.0.1")).0))
        let v6 = try XCTUnwrap(AddressRange("2001:db8::/32"))
        XCTAssertTrue(v6.contains(try XCTUnwrap(AddressRange.parseAddress("2001:db8:ffff::1")).0))
        XCTAssertFalse(v6.contains(try XCTUnwrap(AddressRange.parseAddress("2001:db9::1")).0))
        let one = try XCTUnwrap(AddressRange("192.0.2.7"))
        XCTAssertTrue(one.contains(try XCTUnwrap(AddressRange.parseAddress("192.0.2.7")).0))
        XCTAssertFalse(one.contains(try XCTUnwrap(AddressRange.parseAddress("192.0.2.6")).0))
        let odd = try XCTUnwrap(AddressRange("172.16.0.0/12"))
        XCTAssertTrue(odd.contains(try XCTUnwrap(AddressRange.parseAddress("172.31.255.255")).0))
        XCTAssertFalse(odd.contains(try XCTUnwrap(AddressRange.parseAddress("172.32.0.0")).0))
    }

    func testMalformedRangesAreRejected() {
        for text in ["", "10.0.0.0/33", "::1/129", "10.0.0/8", "example.com", "10.0.0.0/-1", "10.0.0.0/8/8", "unix:"] {
            XCTAssertNil(AddressRange(text), text)
        }
    }

    // MARK: Client address

    func testClientIsTheRightMostAddressThatIsNotATrustedProxy() {
        let r = resolver(["127.0.0.1", "10.0.0.0/8"])
        // The client forged the left-most entry; the right-most untrusted one is what the first
        // trusted proxy saw.
        XCTAssertEqual(
            client(r, peer: "127.0.0.1", ["X-Forwarded-For: 1.1.1.1, 203.0.113.9, 10.0.0.2"]),
            "203.0.113.9"
        )
        // Every hop trusted: the left-most.
        XCTAssertEqual(client(r, peer: "127.0.0.1", ["X-Forwarded-For: 10.1.1.1, 10.0.0.2"]), "10.1.1.1")
    }

    func testHeaderFromAnUntrustedPeerIsIgnored() {
        let r = resolver(["10.0.0.0/8"])
        XCTAssertEqual(client(r, peer: "198.51.100.4", ["X-Forwarded-For: 203.0.113.9"]), "198.51.100.4")
        XCTAssertFalse(r.trusts("198.51.100.4"))
    }

    func testRepeatedHeaderLinesFormOneListInOrder() {
        let r = resolver(["127.0.0.1", "10.0.0.0/8"])
        XCTAssertEqual(
            client(r, peer: "127.0.0.1", ["x-forwarded-for: 203.0.113.9", "Accept: */*", "X-FORWARDED-FOR: 10.0.0.3"]),
            "203.0.113.9"
        )
    }

    func testAnEntryThatIsNoAddressEndsTheWalkAtTheLastAddressReached() {
        let r = resolver(["127.0.0.1", "10.0.0.0/8"])
        XCTAssertEqual(client(r, peer: "127.0.0.1", ["X-Forwarded-For: 203.0.113.9, garbage, 10.0.0.2"]), "10.0.0.2")
        XCTAssertEqual(client(r, peer: "127.0.0.1", ["X-Forwarded-For: nonsense"]), "127.0.0.1")
        XCTAssertEqual(client(r, peer: "127.0.0.1", []), "127.0.0.1")
    }

    func testPortsAndBracketsAreStripped() {
        let r = resolver(["127.0.0.1"])
        XCTAssertEqual(client(r, peer: "127.0.0.1", ["X-Forwarded-For: 203.0.113.9:5555"]), "203.0.113.9")
        XCTAssertEqual(client(r, peer: "127.0.0.1", ["X-Forwarded-For: [2001:db8::7]:443"]), "2001:db8::7")
        XCTAssertEqual(client(r, peer: "127.0.0.1", ["X-Forwarded-For: 2001:db8::7"]), "2001:db8::7")
    }

    func testForwardedHeaderIsReadPerRFC7239() {
        let r = resolver(["127.0.0.1", "10.0.0.0/8"], header: .forwarded)
        XCTAssertEqual(
            client(
                r,
                peer: "127.0.0.1",
                [#"Forwarded: for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711";host="a,b""#]
            ),
            "2001:db8:cafe::17"
        )
        XCTAssertEqual(client(r, peer: "127.0.0.1", ["Forwarded: for=192.0.2.60, for=10.0.0.9"]), "192.0.2.60")
        // `unknown` and obfuscated identifiers are no addresses (RFC 7239 §6.2, §6.3).
        XCTAssertEqual(client(r, peer: "127.0.0.1", ["Forwarded: for=unknown, for=10.0.0.9"]), "10.0.0.9")
        XCTAssertEqual(client(r, peer: "127.0.0.1", ["Forwarded: for=_hidden"]), "127.0.0.1")
        // Only the configured header counts: X-Forwarded-For is then just another field.
        XCTAssertEqual(client(r, peer: "127.0.0.1", ["X-Forwarded-For: 192.0.2.1"]), "127.0.0.1")
    }

    func testUnixPeerIsTrustedOnlyWhenTheOperatorSaysSo() {
        XCTAssertEqual(
            client(resolver([]), peer: ClientAddressResolver.unixPeer, ["X-Forwarded-For: 203.0.113.9"]),
            "unix:"
        )
        XCTAssertEqual(
            client(resolver([], unix: true), peer: ClientAddressResolver.unixPeer, ["X-Forwarded-For: 203.0.113.9"]),
            "203.0.113.9"
        )
    }

    // MARK: JSON log lines

    func testJSONLogLineEscapesQuotesBackslashesControlsAndInvalidUTF8() throws {
        var out: [UInt8] = []
        let target: [UInt8] = Array(#"/static/a"b\c"#.utf8) + [0x01, 0x7f] + Array("é".utf8) + [0xff, 0xc3]
        JSONLogLine.append(
            to: &out,
            time: "2026-11-25T08:00:00Z",
            client: "203.0.113.9",
            peer: "unix:",
            request: (ArraySlice("GET".utf8), ArraySlice(target), 1),
            status: 200,
            bytes: 3000
        )
        XCTAssertEqual(
            String(decoding: out, as: UTF8.self),
            #"{"time":"2026-11-25T08:00:00Z","client":"203.0.113.9","peer":"unix:","method":"GET","#
                + #""target":"/static/a\"b\\c\u0001\u007fé\u00ff\u00c3","protocol":"HTTP/1.1","status":200,"bytes":3000}"#
                + "\n"
        )
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.dropLast())) as? [String: Any])
        XCTAssertEqual(object["target"] as? String, "/static/a\"b\\c\u{01}\u{7f}é\u{ff}\u{c3}")
        XCTAssertEqual(object["status"] as? Int, 200)
    }

    func testJSONLogLineForAnUnparsedRequestHasNullRequestFields() throws {
        var out: [UInt8] = []
        JSONLogLine.append(to: &out, time: "t", client: "1.2.3.4", peer: "1.2.3.4", request: nil, status: 400, bytes: 0)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out)) as? [String: Any])
        XCTAssertTrue(object["method"] is NSNull)
        XCTAssertEqual(object["status"] as? Int, 400)
    }

    // MARK: Unix socket

    private func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "hush-proxy-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func testUnixSocketGetsItsModeBeforeListeningAndIsRemovedWhenOurs() throws {
        let path = try temporaryDirectory() + "/h.sock"
        let socket = try ListenSocket.unix(UnixSocketSettings(path: path, mode: 0o604))
        defer { close(socket.descriptor) }
        let info = try Syscall.stat(path, follow: false)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFSOCK)
        XCTAssertEqual(info.st_mode & 0o777, 0o604)
        XCTAssertTrue(socket.isUnix)
        socket.removeFile()
        XCTAssertNil(try? Syscall.stat(path, follow: false))
    }

    func testStaleSocketIsReplacedLiveOneAndOtherFilesAreRefused() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/h.sock"
        // A socket file whose server is gone: bound, then closed without unlinking.
        let stale = try ListenSocket.unix(UnixSocketSettings(path: path))
        close(stale.descriptor)
        // Kept linked elsewhere, so the new socket cannot reuse its inode number.
        XCTAssertEqual(link(path, dir + "/old.sock"), 0)
        let live = try ListenSocket.unix(UnixSocketSettings(path: path))
        defer { close(live.descriptor) }
        XCTAssertThrowsError(try ListenSocket.unix(UnixSocketSettings(path: path))) { error in
            XCTAssertTrue("\(error)".contains("in use"), "\(error)")
        }
        // The stale one's removal must not take the new server's file.
        stale.removeFile()
        XCTAssertNotNil(try? Syscall.stat(path, follow: false))
        let plain = dir + "/plain"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: plain))
        XCTAssertThrowsError(try ListenSocket.unix(UnixSocketSettings(path: plain))) { error in
            XCTAssertTrue("\(error)".contains("not a socket"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: plain, encoding: .utf8), "keep")
    }

    func testInheritedDescriptorMustBeAListeningStreamSocket() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        XCTAssertThrowsError(try ListenSocket.inherited(fd, name: "test")) { error in
            XCTAssertTrue("\(error)".contains("not a listening stream socket"), "\(error)")
        }
        let path = try temporaryDirectory() + "/file"
        let file = open(path, O_CREAT | O_RDWR, 0o600)
        defer { close(file) }
        XCTAssertThrowsError(try ListenSocket.inherited(file, name: "test")) { error in
            XCTAssertTrue("\(error)".contains("is not a socket"), "\(error)")
        }
    }

    func testServerOnAUnixSocketLogsTheForwardedClientAsJSONAndRemovesItsSocket() async throws {
        let fixture = try Fixture.site()
        let dir = try temporaryDirectory()
        let path = dir + "/hush.sock"
        let log = dir + "/access.log"
        let server = try await Server.start(
            configuration: fixture.configuration {
                $0.accessLog = .file(log)
                $0.proxy.listener = .unix(UnixSocketSettings(path: path))
                $0.proxy.clientAddress.trustUnixPeer = true
                $0.proxy.logFormat = .json
            }
        )
        XCTAssertEqual(server.listenDescription, "unix:" + path)
        let connection = try RawConnection(unixSocket: path)
        try connection.send(
            "GET /static/css/app.0123456789ab.css HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n"
        )
        XCTAssertEqual(try connection.readResponse().status, 200)
        await server.stop()
        let line = try String(contentsOfFile: log, encoding: .utf8)
        let object = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(line.utf8.dropLast())) as? [String: Any],
            line
        )
        XCTAssertEqual(object["client"] as? String, "203.0.113.9")
        XCTAssertEqual(object["peer"] as? String, "unix:")
        XCTAssertEqual(object["target"] as? String, "/static/css/app.0123456789ab.css")
        XCTAssertNil(try? Syscall.stat(path, follow: false), "the socket file outlived the server")
    }
}
