import Foundation
import HushCore
import XCTest

@testable import HushCollect

/// Issue 10: incremental state out of STATIC_ROOT, and a compression cache that survives an empty
/// STATIC_ROOT (fresh CI checkout, Docker build) — always giving a cold run's bytes.
final class CacheDirectoryTests: PipelineTestCase {
    /// CSS and JS that reference each other, a JS bundle big enough for the shared-prefix Brotli
    /// streams (with its map), duplicates, an image and a file too small to keep siblings for.
    func writeProject(bigBundle: Bool = false) throws {
        try root.write("src/css/app.css", ".a { background: url(../img/a.png); }\n" + Self.cssLike(3000, seed: 1))
        try root.write("src/css/copy.css", Self.cssLike(3000, seed: 2))
        try root.write("src/vendor/copy.css", Self.cssLike(3000, seed: 2))
        // Above SharedPrefixPair.minimumPrefix only when asked: Brotli 11 on it takes seconds.
        let bundle = bigBundle ? SharedPrefixPair.minimumPrefix + 4000 : 5000
        try root.write("src/js/bundle.js", Self.cssLike(bundle, seed: 3) + "\n//# sourceMappingURL=bundle.js.map\n")
        try root.write("src/js/bundle.js.map", "{\"version\":3,\"sources\":[]}\n")
        try root.write("src/img/a.png", randomBytes(500, seed: 4))
        try root.write("src/tiny.txt", "x\n")
    }

    /// Every entry's header file (its payload, if any, is beside it with `.payload` appended).
    var compressedEntries: [String] {
        let directory = cacheDirectory + "/compressed"
        return (FileSystem.entries(directory) ?? []).flatMap { shard in
            (FileSystem.entries(directory + "/" + shard) ?? []).map { directory + "/" + shard + "/" + $0 }
        }.filter { !$0.hasSuffix(CompressionCache.payloadSuffix) }.sorted()
    }

    /// The entry at `header` as a lookup reads it (nil: rejected).
    func readEntry(_ header: String) -> CompressionCache.Entry? {
        let name = (header as NSString).lastPathComponent
        // A lookup by name: the key is not needed, the header names itself.
        let cache = CompressionCache(
            directory: cacheDirectory + "/compressed",
            encoder: "",
            readable: true,
            writable: false
        )
        return cache.lookup(name: name, path: header)
    }

    /// Every file under `directory`, by relative path (nothing skipped).
    func everyFile(_ directory: String) throws -> [String: Data] { try snapshot(directory) }

    func testNothingInStaticRootNamesTheSourcesOrTheCacheDirectory() throws {
        try writeProject()
        XCTAssertTrue(path("src").hasPrefix("/"), "premise: absolute source paths")
        try collect()
        try root.write("src/css/copy.css", Self.cssLike(3100, seed: 5))
        try collect()  // an incremental run too
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: CacheDirectory(path: cacheDirectory).statePath(for: output)),
            "premise: the state exists, in the cache directory"
        )
        let files = try everyFile(output)
        XCTAssertFalse(files.keys.contains(".hush/cache"))
        for needle in [path("src"), cacheDirectory, root.path] {
            for (name, data) in files where data.range(of: Data(needle.utf8)) != nil {
                XCTFail("\(name) contains \(needle)")
            }
        }
    }

    func testAnOldCacheInStaticRootIsNotCarriedOver() throws {
        try writeProject()
        try collect()
        try root.write("public/static/.hush/cache", "hush-cache 2\nsettings\t/home/build/project/static\n")
        try collect()
        XCTAssertFalse(exists(".hush/cache"))
        try collect { $0.incremental = false }
        XCTAssertFalse(exists(".hush/cache"))
    }

    func testTwoOutputsKeepSeparateStates() throws {
        let cache = CacheDirectory(path: cacheDirectory)
        XCTAssertNotEqual(cache.statePath(for: path("one/static")), cache.statePath(for: path("two/static")))
        XCTAssertEqual(cache.statePath(for: path("one/static")), cache.statePath(for: path("one/./static")))
    }

    /// The contract: a fresh STATIC_ROOT with a warm cache publishes a cold run's tree byte for
    /// byte (the shared-prefix Brotli pair included).
    func testFreshStaticRootWithWarmCacheEqualsAColdRunByteForByte() throws {
        try writeProject(bigBundle: true)
        let cold = path("cold/static")
        try collect(output: cold) { $0.cacheDirectory = nil }
        try collect(output: path("warming/static"))
        XCTAssertFalse(compressedEntries.isEmpty, "premise: the cache holds compressed siblings")
        let fresh = path("fresh/static")
        try collect(output: fresh)
        XCTAssertEqual(try everyFile(fresh), try everyFile(cold))
        XCTAssertTrue(
            exists("js/bundle.js.br", in: fresh) && exists("css/copy.css.gz", in: fresh)
                && !exists("tiny.txt.br", in: fresh),
            "premise: siblings kept and rejected"
        )
    }

    /// Proof that a hit is used rather than recomputed: every entry is replaced by a well-formed
    /// entry with other bytes, and those bytes are what the fresh STATIC_ROOT gets.
    func testAWarmEntryIsPublishedInsteadOfCompressingAgain() throws {
        try writeProject(bigBundle: true)
        try collect(output: path("warming/static"))
        let marker = Array("not really brotli".utf8)
        for entry in compressedEntries {
            let name = (entry as NSString).lastPathComponent
            let old = try XCTUnwrap(readEntry(entry), entry)
            guard old.payload != nil else { continue }
            // New files (the old payload inode is shared with the warming tree).
            try FileManager.default.removeItem(atPath: entry + CompressionCache.payloadSuffix)
            try Data(marker).write(to: URL(fileURLWithPath: entry + CompressionCache.payloadSuffix))
            try Data(CompressionCache.encodeHeader(.init(size: Int64(marker.count), payload: marker), name: name))
                .write(to: URL(fileURLWithPath: entry))
        }
        let fresh = path("fresh/static")
        try collect(output: fresh)
        for name in ["js/bundle.js.br", "css/app.css.gz", "css/copy.css.br", "vendor/copy.css.br"] {
            XCTAssertEqual(try bytes(name, in: fresh), marker, name)
        }
        // --no-cache reads nothing from the cache: real siblings again.
        let full = path("full/static")
        try collect(output: full) { $0.incremental = false }
        XCTAssertNotEqual(try bytes("css/copy.css.br", in: full), marker)
    }

    func testCorruptEntriesAreDetectedAndRedone() throws {
        try writeProject()
        let cold = path("cold/static")
        try collect(output: cold) { $0.cacheDirectory = nil }
        try collect(output: path("warming/static"))
        // Headers and payloads alike (payloads as new files: their inodes are shared with the
        // warming tree, which must not change).
        let entries = compressedEntries.flatMap { header in
            [header]
                + (FileManager.default.fileExists(atPath: header + CompressionCache.payloadSuffix)
                    ? [header + CompressionCache.payloadSuffix] : [])
        }
        for (n, entry) in entries.enumerated() {
            var data = Array(try Data(contentsOf: URL(fileURLWithPath: entry)))
            try FileManager.default.removeItem(atPath: entry)
            switch n % 3 {
            case 0: data[data.count - 1] ^= 0x01  // a flipped bit
            case 1: data.removeLast(data.count / 3)  // truncated
            default: data = []  // empty
            }
            try Data(data).write(to: URL(fileURLWithPath: entry))
        }
        let fresh = path("fresh/static")
        try collect(output: fresh)
        XCTAssertEqual(try everyFile(fresh), try everyFile(cold))
        for entry in compressedEntries {
            XCTAssertNotNil(readEntry(entry), "\(entry) was not redone")
        }
        XCTAssertEqual(
            try everyFile(path("warming/static")),
            try everyFile(cold),
            "a tree sharing payloads was changed"
        )
    }

    func testEntriesWrittenUnderAnotherNameAreRejected() throws {
        let cache = CompressionCache(directory: path("c"), encoder: "e", readable: true, writable: true)
        let a = CompressionCache.Key(coding: .br, variant: CompressionCache.Key.plain, integrity: "sha384-a", length: 3)
        let b = CompressionCache.Key(
            coding: .gzip,
            variant: CompressionCache.Key.plain,
            integrity: "sha384-a",
            length: 3
        )
        cache.store(a, .init(size: 2, payload: [1, 2]))
        XCTAssertEqual(cache.lookup(a), .init(size: 2, payload: [1, 2]))
        try FileManager.default.createDirectory(
            atPath: (cache.path(b).path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try FileManager.default.copyItem(atPath: cache.path(a).path, toPath: cache.path(b).path)
        XCTAssertNil(cache.lookup(b), "an entry copied to another key's name")
    }

    func testPruneRemovesLeastRecentlyUsedEntriesFirstDownToTheBound() throws {
        let cache = CompressionCache(directory: path("c"), encoder: "e", readable: true, writable: true)
        let keys = (0..<4).map {
            CompressionCache.Key(coding: .br, variant: CompressionCache.Key.plain, integrity: "sha384-\($0)", length: 1)
        }
        for key in keys { cache.store(key, .init(size: 4000, payload: randomBytes(4000, seed: 1))) }
        // Used at times 1000, 4000, 2000, 3000 (seconds since the epoch).
        for (key, used) in zip(keys, [1000, 4000, 2000, 3000]) {
            var times = [timespec(tv_sec: used, tv_nsec: 0), timespec(tv_sec: used, tv_nsec: 0)]
            XCTAssertEqual(utimensat(AT_FDCWD, cache.path(key).path, &times, 0), 0)
        }
        XCTAssertNotNil(cache.lookup(keys[0]), "a hit makes entry 0 the most recently used")
        // Room for two entries (as prune counts them: allocated blocks, at least the size).
        var each: Int64 = 0
        for file in [cache.path(keys[0]).path, cache.path(keys[0]).path + CompressionCache.payloadSuffix] {
            var info = stat()
            XCTAssertEqual(lstat(file, &info), 0)
            each += max(Int64(info.st_size), Int64(info.st_blocks) * 512)
        }
        cache.prune(maxSize: 2 * each + each / 2)
        // Used last: 2 (2000) < 3 (3000) < 1 (4000) < 0 (now).
        XCTAssertEqual(
            keys.map { FileManager.default.fileExists(atPath: cache.path($0).path) },
            [true, true, false, false]
        )
        cache.prune(maxSize: 1 << 30)
        XCTAssertEqual(
            keys.map { FileManager.default.fileExists(atPath: cache.path($0).path) },
            [true, true, false, false]
        )
    }

    func testTheCacheIsPrunedToCacheMaxSizeAfterARun() throws {
        try writeProject()
        try collect()
        XCTAssertGreaterThan(compressedEntries.count, 4)
        try collect(output: path("small/static")) { $0.cacheMaxSize = 0 }
        XCTAssertEqual(compressedEntries, [])
    }

    func testConcurrentRunsSharingACacheDirectoryEachGetAColdRunsTree() throws {
        try writeProject()
        let cold = path("cold/static")
        try collect(output: cold) { $0.cacheDirectory = nil }
        let configurations = (0..<3).map { n in configuration(output: path("run\(n)/static")) { $0.jobs = 1 } }
        let failures = Calls()
        DispatchQueue.concurrentPerform(iterations: configurations.count) { n in
            do { _ = try Collector(configuration: configurations[n]).run() } catch { failures.add("\(error)") }
        }
        XCTAssertEqual(failures.all, [])
        for n in 0..<3 { XCTAssertEqual(try everyFile(path("run\(n)/static")), try everyFile(cold), "run \(n)") }
        for entry in compressedEntries {
            XCTAssertNotNil(readEntry(entry), entry)
        }
        let fresh = path("fresh/static")
        try collect(output: fresh)
        XCTAssertEqual(try everyFile(fresh), try everyFile(cold))
    }

    func testACacheDirectoryInsideASourceOrTheOutputIsRefusedWithOneLine() throws {
        try writeProject()
        for (cache, expected) in [
            (path("src/cache"), "inside source"), (path("src"), "inside source"), (output + "/cache", "inside output"),
            (output, "inside output"),
        ] {
            XCTAssertThrowsError(try collect { $0.cacheDirectory = cache }, cache) { error in
                let text = (error as? CollectError)?.description ?? "\(error)"
                XCTAssertTrue(text.contains(expected) && text.contains(cache) && !text.contains("\n"), text)
            }
        }
    }
}
