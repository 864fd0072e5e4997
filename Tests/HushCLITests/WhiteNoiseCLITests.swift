import Foundation
import XCTest

/// Single-port platforms: WhiteNoise's middleware in the test project serves the STATIC_ROOT
/// `hush collect --django` wrote (README, "Single-port platforms").
final class WhiteNoiseCLITests: CLITestCase {
    override class var rootLabel: String { "hush-whitenoise" }

    struct Reply: Decodable {
        var path: String
        var status: Int
        var headers: [String: String]
        var body: String
    }

    func environment(_ python: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DJANGO_SETTINGS_MODULE"] = nil
        environment["VIRTUAL_ENV"] =
            URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().path
        environment["HUSH_SITE_STATIC_ROOT"] = output
        environment["HUSH_SITE_WHITENOISE"] = "1"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        return environment
    }

    func get(_ paths: [String], python: String, acceptEncoding: String = "br, gzip") throws -> [String: Reply] {
        let result = try runProcess(
            python,
            [repositoryRoot + "/Tests/Support/wsgi_get.py", "--accept-encoding", acceptEncoding] + paths,
            environment: environment(python)
        )
        XCTAssertEqual(result.status, 0, result.stderr)
        var replies: [String: Reply] = [:]
        for line in result.stdout.split(separator: "\n") {
            let reply = try JSONDecoder().decode(Reply.self, from: Data(line.utf8))
            replies[reply.path] = reply
        }
        return replies
    }

    func testWhiteNoiseServesHushsOutputImmutableAndBrotli() throws {
        let python = try djangoPython()
        let collect = try runProcess(
            hushBinary,
            ["collect", "--django", "--quiet"],
            environment: environment(python),
            in: DjangoProjectCLITests.site
        )
        XCTAssertEqual(collect.status, 0, collect.stderr)
        let paths = try XCTUnwrap(
            (try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: output + "/staticfiles.json"))
            ) as? [String: Any])?["paths"] as? [String: String]
        )
        let css = try XCTUnwrap(paths["admin/css/base.css"])
        let js = try XCTUnwrap(paths["blog/js/blog.js"])
        let replies = try get(
            ["/static/" + css, "/static/" + js, "/static/admin/css/base.css", "/static/shared/notice.txt"],
            python: python
        )

        for name in [css, js] {
            let reply = try XCTUnwrap(replies["/static/" + name])
            XCTAssertEqual(reply.status, 200, name)
            XCTAssertEqual(reply.headers["content-encoding"], "br", name)
            XCTAssertTrue(reply.headers["cache-control"]?.contains("immutable") == true, "\(name): \(reply.headers)")
            // WhiteNoise sends Hush's own sibling.
            XCTAssertEqual(
                Data(reply.body.unicodeScalars.map { UInt8($0.value) }),
                try Data(contentsOf: URL(fileURLWithPath: output + "/" + name + ".br")),
                name
            )
        }
        let unhashed = try XCTUnwrap(replies["/static/admin/css/base.css"])
        XCTAssertEqual(unhashed.status, 200)
        XCTAssertFalse(
            unhashed.headers["cache-control"]?.contains("immutable") ?? false,
            "an unhashed name must not be immutable"
        )
        XCTAssertEqual(replies["/static/shared/notice.txt"]?.body, "the project's notice: wins over both apps\n")
    }

    /// Nothing WhiteNoise publishes — every file under STATIC_ROOT, `.hush/` included — names the
    /// build machine's source directories (the incremental state lives in the cache directory).
    func testNoFileUnderStaticRootNamesASourceDirectory() throws {
        let python = try djangoPython()
        // Twice, the first without shared/notice.txt: the second run retires the first (different)
        // manifest into .hush/manifests/.
        for extra in [["--ignore", "*.scss", "--ignore", "notice.txt"], []] {
            let collect = try runProcess(
                hushBinary,
                ["collect", "--django", "--quiet"] + extra,
                environment: environment(python),
                in: DjangoProjectCLITests.site
            )
            XCTAssertEqual(collect.status, 0, collect.stderr)
        }
        let report = try runProcess(
            hushBinary,
            ["django-sources", "--json"],
            environment: environment(python),
            in: DjangoProjectCLITests.site
        )
        let sources = try XCTUnwrap(
            (try JSONSerialization.jsonObject(with: report.stdoutData) as? [String: Any])?["sources"]
                as? [[String: String]]
        )
        let secrets = sources.compactMap { $0["path"] } + [repositoryRoot]
        XCTAssertGreaterThan(secrets.count, 3)

        var leaking: [String] = []
        var hushFiles: [String] = []
        for (name, bytes) in try snapshot(output) {
            if name.hasPrefix(".hush/") { hushFiles.append(name) }
            let text = String(decoding: bytes, as: UTF8.self)
            if secrets.contains(where: { text.contains($0) }) { leaking.append(name) }
        }
        XCTAssertEqual(leaking, [], "files under STATIC_ROOT naming a source directory")
        // What WhiteNoise actually serves from .hush/ carries no source path either.
        let served = try get(hushFiles.map { "/static/" + $0 }, python: python, acceptEncoding: "identity")
        XCTAssertFalse(served.isEmpty, "expected the retained manifests under .hush/ to be published: \(hushFiles)")
        for (path, reply) in served where reply.status == 200 {
            XCTAssertFalse(secrets.contains { reply.body.contains($0) }, "\(path) reveals a source path")
        }
    }
}
