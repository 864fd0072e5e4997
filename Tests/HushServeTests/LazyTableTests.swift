import Foundation
import Glibc
import HushCore
import HushSystem
import HushTestSupport
import XCTest

@testable import HushServe

/// Start-up without reading the root: files opened and hashed on first request, digests kept by
/// file identity across reloads and restarts (the digest cache file), the background pass.
final class LazyTableTests: XCTestCase {
    private func md5Tag(_ text: String) -> String { "\"" + MD5.hex(Array(text.utf8)) + "\"" }

    func testTheScanReadsNoFileAndEachFileIsMadeOnItsFirstRequest() throws {
        let f = try Fixture.site()
        let table = try f.table()
        XCTAssertEqual(table.loader.digests.hashedCount, 0, "the scan hashed files")
        XCTAssertEqual(table.memoryBytes, 0, "the scan read files into memory")
        let css = try XCTUnwrap(table.resource(at: "css/app.0123456789ab.css"))
        // The file and its two siblings.
        XCTAssertEqual(table.loader.digests.hashedCount, 3)
        XCTAssertTrue(css === table.resource(at: "css/app.0123456789ab.css"), "made once, then kept")
        XCTAssertEqual(table.loader.digests.hashedCount, 3)
    }

    /// A root holding a.txt ("alpha") and b.txt ("beta"), and the digest cache file (at the
    /// root's path + `suffix`) a previous run left after serving `served`.
    private func previousRun(cache suffix: String, served: [String]) throws -> (Fixture, cache: String) {
        let f = try Fixture()
        try f.write("a.txt", "alpha")
        try f.write("b.txt", "beta")
        let cache = f.root + suffix
        let previous = try f.table()
        for name in served { XCTAssertNotNil(previous.resource(at: name)) }
        previous.loader.digests.save(to: cache, keeping: nil, warn: { XCTFail($0) })
        return (f, cache)
    }

    func testDigestsComeBackFromTheCacheFileOnlyForAnUnchangedIdentity() throws {
        let (f, cache) = try previousRun(cache: "-digests/serve.digests", served: ["a.txt", "b.txt"])
        defer { try? FileManager.default.removeItem(atPath: f.root + "-digests") }
        XCTAssertEqual(try Syscall.stat(cache).st_mode & 0o777, 0o600)

        // Same files: nothing is hashed, the ETags are the MD5 of the bytes.
        let store = DigestStore.load(from: cache)
        XCTAssertEqual(store.count, 2)
        let second = try FileTable.load(configuration: f.configuration(), digests: store)
        XCTAssertEqual(second.resource(at: "a.txt")?.identity.etag, md5Tag("alpha"))
        XCTAssertEqual(second.resource(at: "b.txt")?.identity.etag, md5Tag("beta"))
        XCTAssertEqual(store.hashedCount, 0)

        // Rewritten in place with the same size and mtime put back: ctime moved, so it is hashed.
        let path = f.root + "/a.txt"
        let before = try Syscall.stat(path)
        try f.write("a.txt", "ALPHA")
        var times = [before.st_atim, before.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
        let third = try FileTable.load(configuration: f.configuration(), digests: DigestStore.load(from: cache))
        XCTAssertEqual(third.resource(at: "a.txt")?.identity.etag, md5Tag("ALPHA"))
        XCTAssertEqual(third.loader.digests.hashedCount, 1)
    }

    func testTheCacheFileIsReadWhenAskedAndDigestsRecordedMeanwhileAreKept() throws {
        let (f, cache) = try previousRun(cache: "-deferred.digests", served: ["a.txt", "b.txt"])
        defer { unlink(cache) }

        // Start-up hands the file to the store unread: the scan does not wait for it.
        let store = DigestStore(cacheToRead: cache)
        let table = try FileTable.load(configuration: f.configuration(), digests: store)
        XCTAssertEqual(store.count, 0)
        // A request before the read hashes its file; the read then adds the rest, once.
        XCTAssertEqual(table.resource(at: "a.txt")?.identity.etag, md5Tag("alpha"))
        XCTAssertEqual(store.hashedCount, 1)
        store.readCacheIfUnread()
        store.readCacheIfUnread()
        XCTAssertEqual(store.count, 2)
        XCTAssertEqual(table.resource(at: "b.txt")?.identity.etag, md5Tag("beta"))
        XCTAssertEqual(store.hashedCount, 1, "b.txt's digest came from the cache file")
    }

    func testAnExitBeforeTheCacheFileWasReadKeepsWhatItHeld() throws {
        // A previous run cached a.txt's digest.
        let (f, cache) = try previousRun(cache: "-kept.digests", served: ["a.txt"])
        defer { unlink(cache) }
        XCTAssertEqual(DigestStore.load(from: cache).count, 1)

        // This run hashes b.txt and exits before its background pass read the file.
        let configuration = f.configuration { $0.digests = DigestConfiguration(cacheFile: cache) }
        let table = try FileTable.load(configuration: configuration, digests: DigestStore(cacheToRead: cache))
        XCTAssertNotNil(table.resource(at: "b.txt"))
        Reloader(configuration: configuration, tables: TableBox(table), warn: { XCTFail($0) }).finish()
        XCTAssertEqual(DigestStore.load(from: cache).count, 2, "the exit dropped what the cache file held")
    }

    func testAForeignOrTruncatedCacheFileIsIgnoredWhole() throws {
        let f = try Fixture()
        try f.write("a.txt", "alpha")
        let cache = f.root + "-bad.digests"
        defer { unlink(cache) }
        let table = try f.table()
        XCTAssertNotNil(table.resource(at: "a.txt"))
        table.loader.digests.save(to: cache, keeping: nil, warn: { XCTFail($0) })
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: cache))
        bytes.removeLast()
        try bytes.write(to: URL(fileURLWithPath: cache))
        XCTAssertEqual(DigestStore.load(from: cache).count, 0)
        try Data("not a digest cache".utf8).write(to: URL(fileURLWithPath: cache))
        XCTAssertEqual(DigestStore.load(from: cache).count, 0)
        XCTAssertEqual(DigestStore.load(from: f.root + "/nonexistent").count, 0)
    }

    func testTheBackgroundPassHashesEveryFileOnceAndKeepsOnlyTheTablesDigests() throws {
        let f = try Fixture.site()
        let table = try f.table()
        // A digest of a file no longer in the tree is dropped when the pass writes the cache.
        table.loader.digests.record(
            ETagDigest(high: 1, low: 2),
            for: FileIdentity(device: 1, inode: 2, size: 3, modified: 4, changed: 5)
        )
        let identities = try XCTUnwrap(DigestPass.hashAll(table) { false })
        let files = try FileManager.default.subpathsOfDirectory(atPath: f.root).filter { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: f.root + "/" + name, isDirectory: &isDirectory)
            return !isDirectory.boolValue && !name.split(separator: "/").contains { $0.hasPrefix(".") }
        }
        XCTAssertEqual(identities.count, files.count)
        XCTAssertEqual(table.loader.digests.hashedCount, files.count + 1)
        // Requests now find every digest.
        _ = table.resources
        XCTAssertEqual(table.loader.digests.hashedCount, files.count + 1)
        XCTAssertNil(DigestPass.hashAll(table) { true }, "a cancelled pass reports nothing")
        let cache = f.root + "-pass.digests"
        defer { unlink(cache) }
        table.loader.digests.save(to: cache, keeping: identities, warn: { XCTFail($0) })
        XCTAssertEqual(DigestStore.load(from: cache).count, files.count)
    }

    func testARestartedServerHashesNothingItsPreviousRunHashed() async throws {
        let f = try Fixture.site()
        let cache = f.root + "-restart.digests"
        defer { unlink(cache) }
        let configuration = f.configuration { $0.digests = DigestConfiguration(cacheFile: cache) }
        let first = try await Server.start(configuration: configuration)
        let deadline = Date().addingTimeInterval(10)
        while !first.digestPassIsIdle, Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertTrue(first.digestPassIsIdle, "the background pass did not finish")
        XCTAssertGreaterThan(first.tables.current.loader.digests.hashedCount, 0)
        await first.stop()

        let second = try await Server.start(configuration: configuration)
        // The cache file is read in the background, before the pass hashes anything.
        let cacheRead = await eventually(within: 10) { second.digestPassIsIdle }
        XCTAssertTrue(cacheRead, "the background pass did not finish")
        let connection = try RawConnection(port: second.localPort)
        try connection.send("GET /static/css/app.0123456789ab.css HTTP/1.1\r\nHost: t\r\nAccept-Encoding: br\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("ETag"), "\"" + MD5.hex(response.body) + "\"")
        XCTAssertEqual(second.tables.current.loader.digests.hashedCount, 0, "a restart hashed again")
        await second.stop()
    }
}

/// The start-up reader of `staticfiles.json` agrees with the general one, escapes included.
final class ManifestValuesTests: XCTestCase {
    func testFastReaderGivesTheManifestsValuesOrDefersToTheGeneralParser() throws {
        let manifest = Manifest(paths: [
            "a.css": "a.0123456789ab.css", "é/ü \"q\".js": "é/ü \"q\".0123456789ab.js",
            "x\\y/😀.txt": "x\\y/😀.0123456789ab.txt",
        ])
        let bytes = manifest.encoded()
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("\\u00e9"), "Django escapes non-ASCII")
        XCTAssertEqual(names(ManifestValues.read(bytes)), Set(try Manifest.decode(bytes).paths.values))
        for bad in [
            #"{"paths": {"a": 1}, "version": "1.1"}"#, #"{"paths": {}, "version": "2"}"#, "[1]", #"{"paths": {"#,
        ] {
            XCTAssertNil(ManifestValues.read(Array(bad.utf8)), bad)
        }
        XCTAssertEqual(
            names(ManifestValues.read(Array(#"{"version": "1.0", "hash": null, "paths": {"a": "b"}}"#.utf8))),
            ["b"]
        )
    }

    private func names(_ names: ManifestValues.Names?) -> Set<String>? {
        names.map { Set($0.strings) }
    }
}
