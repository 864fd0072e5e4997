import Foundation
import HushCore
import XCTest

@testable import HushServe

/// A STATIC_ROOT in a fresh temporary directory, laid out as `hush collect` leaves it.
final class Fixture {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "hush-serve-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    @discardableResult
    func write(_ rel: String, _ text: String, modified: Int64? = nil) throws -> String {
        try write(rel, Array(text.utf8), modified: modified)
    }

    @discardableResult
    func write(_ rel: String, _ bytes: [UInt8], modified: Int64? = nil) throws -> String {
        let path = root + "/" + rel
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if let modified {
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSince1970: TimeInterval(modified))],
                ofItemAtPath: path
            )
        }
        return path
    }

    /// Writes `text` to a temporary name beside `rel` and renames it over `rel` (atomic).
    func replace(_ rel: String, _ text: String) throws {
        try write(rel + ".replacing", text)
        XCTAssertEqual(rename(root + "/" + rel + ".replacing", root + "/" + rel), 0)
    }

    func symlink(_ rel: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/" + rel, withDestinationPath: target)
    }

    func remove(_ rel: String) throws {
        try FileManager.default.removeItem(atPath: root + "/" + rel)
    }

    func configuration(_ change: (inout ServeConfiguration) -> Void = { _ in }) -> ServeConfiguration {
        var c = ServeConfiguration(root: root)
        c.port = 0
        c.threads = 1
        // The exact heads in these tests are written without CORS; HeaderRulesTests covers it,
        // including the `*` default.
        c.headers.cors = .off
        change(&c)
        return c
    }

    func table(_ change: (inout ServeConfiguration) -> Void = { _ in }) throws -> FileTable {
        try FileTable.load(configuration: configuration(change))
    }

    /// The usual site: a hashed CSS with both siblings, a plain file, an index, a manifest.
    static func site() throws -> Fixture {
        let f = try Fixture()
        try f.write("css/app.0123456789ab.css", "body{color:red}\n", modified: 784_111_777)
        try f.write("css/app.0123456789ab.css.br", "BROTLI-BYTES", modified: 784_111_777)
        // Sizes as real siblings have them: Brotli smallest, gzip largest.
        try f.write("css/app.0123456789ab.css.gz", "GZIP-MEMBER-BYTES", modified: 784_111_777)
        try f.write("css/app.css", "body{color:red}\n", modified: 784_111_777)
        try f.write("js/app.js", String(repeating: "x", count: 1000), modified: 784_111_777)
        try f.write("index.html", "<h1>home</h1>\n")
        try f.write("docs/index.html", "<h1>docs</h1>\n")
        try f.write("fonts/f.woff2", [0, 1, 2, 3])
        try f.write(Manifest.fileName, Manifest(paths: ["css/app.css": "css/app.0123456789ab.css"]).encoded())
        try f.write(".hush-cache/secret.txt", "no")
        try f.write(".env", "SECRET=1")
        return f
    }
}
