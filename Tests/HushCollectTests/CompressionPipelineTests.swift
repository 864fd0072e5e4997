import Foundation
import HushCore
import XCTest

@testable import HushCollect

/// Shared by the pipeline test classes (compression, integrity manifest, incremental
/// runs, retention, faults): a temp root with `src/` and `public/static`, in-process runs, and
/// readers that do not go through Hush's own decoders.
class PipelineTestCase: TemporaryRootTestCase {
    override class var rootLabel: String { "hush-pipeline" }

    var output: String { path("public/static") }

    /// The cache directory every run of a test shares (outside the sources and the output).
    var cacheDirectory: String { path("cache") }

    func configuration(
        output: String? = nil,
        _ configure: (inout CollectConfiguration) -> Void = { _ in }
    ) -> CollectConfiguration {
        var configuration = CollectConfiguration(
            sources: [SourceDirectory(path: path("src"))],
            output: output ?? self.output
        )
        configuration.cacheDirectory = cacheDirectory
        configure(&configuration)
        return configuration
    }

    @discardableResult
    func collect(
        output: String? = nil,
        cancellation: CancellationFlag = CancellationFlag(),
        _ configure: (inout CollectConfiguration) -> Void = { _ in }
    ) throws -> CollectSummary {
        try Collector(configuration: configuration(output: output, configure)).run(cancellation: cancellation)
    }

    func bytes(_ relative: String, in directory: String? = nil) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: (directory ?? output) + "/" + relative)))
    }

    func exists(_ relative: String, in directory: String? = nil) -> Bool {
        var info = stat()
        return lstat((directory ?? output) + "/" + relative, &info) == 0
    }

    func size(_ relative: String, in directory: String? = nil) -> Int64? {
        var info = stat()
        guard lstat((directory ?? output) + "/" + relative, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    func inode(_ relative: String, in directory: String? = nil) -> UInt64? {
        var info = stat()
        guard lstat((directory ?? output) + "/" + relative, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    /// `staticfiles.json`'s `paths`, read with Foundation's JSON parser (not Hush's Manifest).
    func manifestPaths(in directory: String? = nil) throws -> [String: String] {
        let object =
            try JSONSerialization.jsonObject(with: Data(try bytes("staticfiles.json", in: directory))) as? [String: Any]
        return try XCTUnwrap(object?["paths"] as? [String: String])
    }

    /// `hush-manifest.json`'s `files`, read with Foundation's JSON parser.
    func integrityFiles(in directory: String? = nil) throws -> [String: [String: Any]] {
        let object =
            try JSONSerialization.jsonObject(with: Data(try bytes("hush-manifest.json", in: directory)))
            as? [String: Any]
        XCTAssertEqual(object?["version"] as? Int, 1)
        return try XCTUnwrap(object?["files"] as? [String: [String: Any]])
    }

    /// The published tree without Hush's private state.
    func tree(_ directory: String? = nil) throws -> [String: Data] {
        try snapshot(directory ?? output, skipping: [".hush"])
    }

    /// Staging or retired trees left beside STATIC_ROOT.
    func leftovers() throws -> [String] {
        let parent = (output as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: parent) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.contains(".hush-") }
    }

    /// Deterministic CSS-like text of about `count` bytes: compresses well, contains no references.
    static func cssLike(_ count: Int, seed: UInt64 = 1) -> String {
        let words = [
            "color", "margin", "padding", "border", "display", "flex", "grid", "font", "weight", "line",
            "height", "width", "position", "absolute", "relative", "block", "inline", "none", "auto",
        ]
        var state = seed
        var out = ""
        var n = 0
        while out.utf8.count < count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let a = words[Int((state >> 33) % UInt64(words.count))]
            let b = words[Int((state >> 17) % UInt64(words.count))]
            n += 1
            out += ".\(a)-\(b)-\(n % 53) { \(a): \(b) \((state >> 40) % 100)px; }\n"
        }
        return out
    }

    /// For each path (relative to `directory`), Python's `brotli` and `gzip` decoders say whether
    /// `PATH.br` / `PATH.gz` exist and decompress to exactly the file's bytes:
    /// `[path: (br, gz)]` with values "same", "differs" or "absent".
    func pythonSiblingCheck(_ paths: [String], in directory: String? = nil) throws -> [String: String] {
        let script = """
            import sys, os, brotli, gzip
            lines = sys.stdin.read().split("\\n")
            base, paths = lines[0], [p for p in lines[1:] if p]
            def check(p, suffix, decode):
                full = os.path.join(base, p)
                if not os.path.exists(full + suffix): return "absent"
                return "same" if decode(open(full + suffix, "rb").read()) == open(full, "rb").read() else "differs"
            for p in paths:
                print(p.encode().hex(), check(p, ".br", brotli.decompress), check(p, ".gz", gzip.decompress))
            """
        let out = try runPython(script, input: ([directory ?? output] + paths).joined(separator: "\n"))
        var result: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 3 else { continue }
            result[fromHexUTF8(parts[0])] = "\(parts[1]) \(parts[2])"
        }
        return result
    }
}

/// Pre-compression: siblings for every compressible published file, the skip list, the
/// 95 % rule and its flag, codings switched off, one compression per distinct content,
/// deterministic bytes, and totals against WhiteNoise's own compressor.
final class CompressionPipelineTests: PipelineTestCase {
    func writeMixedSite() throws {
        try root.write(
            "src/css/app.css",
            "@import \"base.css\";\n.logo { background: url(../img/logo.png); }\n" + Self.cssLike(6000, seed: 2)
        )
        try root.write("src/css/base.css", Self.cssLike(9000, seed: 3))
        try root.write(
            "src/js/app.js",
            Self.cssLike(12000, seed: 4).replacingOccurrences(of: "{", with: "(").replacingOccurrences(
                of: "}",
                with: ")"
            )
        )
        try root.write("src/img/logo.png", Array(Self.cssLike(3000, seed: 5).utf8))
        try root.write(
            "src/img/icon.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\">"
                + String(repeating: "<rect width=\"10\" height=\"10\"/>", count: 80) + "</svg>\n"
        )
        try root.write("src/fonts/f.woff2", Array(Self.cssLike(2000, seed: 6).utf8))
        try root.write("src/data/noise.bin", randomBytes(5000))
        try root.write("src/notes.txt", Self.cssLike(4000, seed: 7))
    }

    func testEveryCompressibleFileAndItsHashedCopyGetSiblingsThatDecompressToItsBytes() throws {
        try writeMixedSite()
        try collect()
        let paths = try manifestPaths()
        let compressible = ["css/app.css", "css/base.css", "js/app.js", "img/icon.svg", "notes.txt"]
        let published = compressible.flatMap { [$0, paths[$0]!] }
        XCTAssertEqual(Set(published).count, 10, "each hashed name differs from its original")
        let check = try pythonSiblingCheck(published)
        for p in published {
            XCTAssertEqual(check[p], "same same", "\(p): .br/.gz must decompress to the file's bytes")
        }
    }

    func testSkippedTypesGetNoSiblingsEvenWhenCompressible() throws {
        let text = Array(Self.cssLike(4000, seed: 9).utf8)
        let skipped = [
            "png", "jpg", "jpeg", "gif", "webp", "woff", "woff2", "zip", "gz", "mp4", "avif", "zst", "zstd", "7z",
            "rar",
            "mp3", "ogg", "opus", "pdf", "PNG",
        ]
        for (i, ext) in skipped.enumerated() {
            // Distinct contents, so that no two files share a compression group.
            try root.write("src/f/file\(i).\(ext)", text + Array("\(i)".utf8))
        }
        try root.write("src/f/control.txt", text)
        try collect()
        let paths = try manifestPaths()
        for (i, ext) in skipped.enumerated() {
            let name = "f/file\(i).\(ext)"
            for p in [name, paths[name]!] {
                for coding in ContentCoding.allCases {
                    XCTAssertFalse(exists(p + coding.fileSuffix), "\(p)\(coding.fileSuffix) written for a skipped type")
                }
            }
        }
        for coding in ContentCoding.allCases {
            XCTAssertTrue(exists("f/control.txt" + coding.fileSuffix), "the same bytes as .txt are compressed")
        }
    }

    func testIncompressibleContentGetsNoSiblings() throws {
        try root.write("src/noise.bin", randomBytes(20_000))
        try root.write("src/noise.txt", randomBytes(20_000, seed: 77))
        try collect()
        let paths = try manifestPaths()
        // Independent judgement of the 95 % rule: Python's encoder.
        let ratios = try runPython(
            """
            import sys, brotli, zlib
            data = open(sys.stdin.read().strip(), "rb").read()
            print(len(brotli.compress(data, quality=11)) / len(data))
            """,
            input: path("src/noise.txt")
        )
        let ratio = try XCTUnwrap(Double(ratios.trimmingCharacters(in: .whitespacesAndNewlines)))
        for name in ["noise.bin", paths["noise.bin"]!] {
            XCTAssertFalse(exists(name + ".br"), name)
            XCTAssertFalse(exists(name + ".gz"), name)
        }
        XCTAssertGreaterThan(ratio, 0.95, "premise: the input is incompressible")
        for name in ["noise.txt", paths["noise.txt"]!] {
            XCTAssertFalse(exists(name + ".br"), name)
            XCTAssertFalse(exists(name + ".gz"), "no gzip sibling when Brotli was not effective (WhiteNoise)")
            XCTAssertFalse(exists(name + ".zst"), "nor a zstd one")
        }
    }

    /// The edge: a sibling of exactly `ratio × original` bytes is kept, one byte-ratio less is not.
    /// The sibling size is taken from a run that keeps everything (ratio 1); deterministic output
    /// makes it the same in every run.
    func testMaxRatioMovesTheKeepEdgeExactly() throws {
        let text = Self.cssLike(3000, seed: 11)
        try root.write("src/a.css", text)
        try collect(output: path("all/static")) { $0.compression = CompressionPolicy(ratio: 1.0) }
        let original = Int64(text.utf8.count)
        let br = try XCTUnwrap(size("a.css.br", in: path("all/static")))
        let gz = try XCTUnwrap(size("a.css.gz", in: path("all/static")))
        XCTAssertLessThan(br, gz, "premise: Brotli beats gzip on this text")
        let edge = Double(br) / Double(original)

        try collect(output: path("edge/static")) { $0.compression = CompressionPolicy(ratio: edge) }
        XCTAssertEqual(size("a.css.br", in: path("edge/static")), br, "a sibling of exactly ratio × original is kept")
        XCTAssertFalse(exists("a.css.gz", in: path("edge/static")), "gzip (\(gz) bytes) is above the edge")

        try collect(output: path("below/static")) { $0.compression = CompressionPolicy(ratio: edge.nextDown) }
        XCTAssertFalse(exists("a.css.br", in: path("below/static")))
        XCTAssertFalse(exists("a.css.gz", in: path("below/static")))

        let gzEdge = Double(gz) / Double(original)
        try collect(output: path("gz/static")) { $0.compression = CompressionPolicy(ratio: gzEdge) }
        XCTAssertEqual(size("a.css.gz", in: path("gz/static")), gz)
        XCTAssertEqual(size("a.css.br", in: path("gz/static")), br)
    }

    func testNoBrotliAndNoGzipSwitchOffEachCoding() throws {
        try root.write("src/a.css", Self.cssLike(3000))
        try collect(output: path("gz/static")) { $0.compression = CompressionPolicy(codings: [.gzip]) }
        try collect(output: path("br/static")) { $0.compression = CompressionPolicy(codings: [.br]) }
        try collect(output: path("none/static")) { $0.compression = CompressionPolicy(codings: []) }
        XCTAssertEqual(try pythonSiblingCheck(["a.css"], in: path("gz/static"))["a.css"], "absent same")
        XCTAssertEqual(try pythonSiblingCheck(["a.css"], in: path("br/static"))["a.css"], "same absent")
        XCTAssertEqual(try pythonSiblingCheck(["a.css"], in: path("none/static"))["a.css"], "absent absent")
        let names = try tree(path("none/static")).keys
        XCTAssertFalse(names.contains { $0.hasSuffix(".br") || $0.hasSuffix(".gz") }, "\(names.sorted())")
    }

    func testZstdSiblingsDecodeToTheFileWithADecoderHeldToEightMiB() throws {
        // (Inputs over 8 MiB are HushCompress's ZstdTests: Brotli 11 on them is too slow here.)
        try writeMixedSite()
        try collect()
        let paths = try manifestPaths()
        let compressible = ["css/app.css", "css/base.css", "js/app.js", "img/icon.svg", "notes.txt"]
        for p in compressible.flatMap({ [$0, paths[$0]!] }) {
            // zstd(1), not our decoder, limited to the window RFC 9659 allows for HTTP.
            let decoded = try runShell("zstd -dc --memory=8MB '\(output)/\(p).zst'")
            XCTAssertTrue(decoded == (try bytes(p)), "\(p).zst must decode to the file's bytes")
        }
        for p in ["img/logo.png", "fonts/f.woff2", "data/noise.bin"] { XCTAssertFalse(exists(p + ".zst"), p) }
        let br = try XCTUnwrap(size("js/app.js.br"))
        let zstd = try XCTUnwrap(size("js/app.js.zst"))
        let gz = try XCTUnwrap(size("js/app.js.gz"))
        XCTAssertTrue(br < zstd && zstd < gz, "br \(br) < zstd \(zstd) < gzip \(gz): the table's order")
    }

    func testNoZstdSwitchesOffOnlyZstd() throws {
        try root.write("src/a.css", Self.cssLike(3000))
        try collect(output: path("all/static"))
        try collect(output: path("nozstd/static")) { $0.compression = CompressionPolicy(codings: [.br, .gzip]) }
        try collect(output: path("zstd/static")) { $0.compression = CompressionPolicy(codings: [.zstd]) }
        XCTAssertTrue(exists("a.css.zst", in: path("all/static")))
        let without = try tree(path("nozstd/static")).keys
        XCTAssertFalse(without.contains { $0.hasSuffix(".zst") }, "\(without.sorted())")
        XCTAssertTrue(exists("a.css.br", in: path("nozstd/static")) && exists("a.css.gz", in: path("nozstd/static")))
        XCTAssertEqual(try bytes("a.css.zst", in: path("zstd/static")), try bytes("a.css.zst", in: path("all/static")))
        XCTAssertFalse(exists("a.css.br", in: path("zstd/static")) || exists("a.css.gz", in: path("zstd/static")))
    }

    func testIdenticalContentIsCompressedOnceAndItsSiblingsShareOneInode() throws {
        let text = Self.cssLike(3000, seed: 21)
        try root.write("src/a.css", text)
        try root.write("src/copy/dup.css", text)
        let calls = Calls()
        try collect {
            $0.faultInjection = { point in if case .beforeCompress(let p) = point { calls.add(p) } }
        }
        let paths = try manifestPaths()
        let names = ["a.css", paths["a.css"]!, "copy/dup.css", paths["copy/dup.css"]!]
        XCTAssertEqual(calls.all.count, 1, "one compression for one distinct content: \(calls.all)")
        for suffix in ContentCoding.allCases.map(\.fileSuffix) {
            let inodes = Set(names.map { inode($0 + suffix) })
            XCTAssertEqual(inodes.count, 1, "\(suffix) siblings of identical content must be one inode: \(inodes)")
            XCTAssertNotNil(inodes.first!)
        }
    }

    func testGzipHeaderHasNoMtimeAndNoFileName() throws {
        try root.write("src/a.css", Self.cssLike(3000))
        try collect()
        let gz = try bytes("a.css.gz")
        XCTAssertEqual(Array(gz.prefix(3)), [0x1f, 0x8b, 0x08], "gzip magic + deflate")
        XCTAssertEqual(gz[3], 0, "FLG: no FNAME, FCOMMENT, FEXTRA")
        XCTAssertEqual(Array(gz[4..<8]), [0, 0, 0, 0], "MTIME 0")
    }

    func testTwoColdRunsGiveByteIdenticalTreesSiblingsIncluded() throws {
        try writeMixedSite()
        try collect(output: path("one/static")) { $0.incremental = false }
        try collect(output: path("two/static")) { $0.incremental = false }
        let one = try tree(path("one/static"))
        let two = try tree(path("two/static"))
        XCTAssertGreaterThan(one.keys.filter { $0.hasSuffix(".br") }.count, 5)
        XCTAssertEqual(one, two)
    }

    func testKeepOnlyHashedPublishesOnlyHashedCopiesAndTheirSiblings() throws {
        try writeMixedSite()
        try collect { $0.keepOnlyHashed = true }
        let paths = try manifestPaths()
        XCTAssertEqual(
            Set(paths.keys),
            [
                "css/app.css", "css/base.css", "js/app.js", "img/logo.png", "img/icon.svg", "fonts/f.woff2",
                "data/noise.bin", "notes.txt",
            ]
        )
        for (original, hashed) in paths {
            XCTAssertFalse(exists(original), original)
            XCTAssertFalse(exists(original + ".br"), original + ".br")
            XCTAssertFalse(exists(original + ".gz"), original + ".gz")
            XCTAssertTrue(exists(hashed), hashed)
        }
        XCTAssertEqual(
            try pythonSiblingCheck([paths["css/app.css"]!, paths["notes.txt"]!]).values.sorted(),
            ["same same", "same same"]
        )
        XCTAssertEqual(Set(try integrityFiles().keys), Set(paths.keys))
    }

    /// A source file named like one of the manifests is collected, then its unhashed name is
    /// overwritten by the manifest (Django's behaviour for staticfiles.json). Whatever sits next to
    /// that name as `.br`/`.gz` must be the compressed manifest — or nothing — never the
    /// compressed source file, or a server would send different bytes per Accept-Encoding.
    func testSiblingsOfTheManifestNamesMatchThePublishedManifests() throws {
        let json = "{\"items\": [" + (0..<200).map { "\"item-\($0 % 13)\"" }.joined(separator: ", ") + "]}\n"
        try root.write("src/staticfiles.json", json)
        try root.write("src/hush-manifest.json", json.replacingOccurrences(of: "items", with: "other"))
        try root.write("src/a.css", Self.cssLike(1000))
        try collect()
        let paths = try manifestPaths()
        let names = [
            "staticfiles.json", "hush-manifest.json", paths["staticfiles.json"]!, paths["hush-manifest.json"]!,
        ]
        let check = try pythonSiblingCheck(names)
        XCTAssertEqual(
            try bytes(paths["staticfiles.json"]!),
            Array(json.utf8),
            "premise: the hashed copy keeps the source bytes"
        )
        for name in names {
            XCTAssertFalse(
                check[name]?.contains("differs") ?? true,
                "\(name): a sibling does not decompress to the published file (\(check[name] ?? "-"))"
            )
        }
    }

    /// WhiteNoise's `Compressor` over the same files (Brotli from the `brotli` wheel, gzip from
    /// Python's zlib): Hush's sibling totals stay within 1 %.
    func testCompressedTotalsMatchWhiteNoiseWithinOnePercent() throws {
        try writeMixedSite()
        try collect()
        let originals = try manifestPaths().keys.sorted()
        var hushBr: Int64 = 0
        var hushGz: Int64 = 0
        for name in originals {
            hushBr += size(name + ".br") ?? 0
            hushGz += size(name + ".gz") ?? 0
        }
        let out = try runPython(
            """
            import os, sys, shutil
            from whitenoise.compress import Compressor
            src, work = sys.stdin.read().split("\\n")[:2]
            shutil.copytree(src, work)
            c = Compressor(quiet=True)
            br = gz = 0
            for d, _, files in os.walk(work):
                for f in files:
                    p = os.path.join(d, f)
                    if c.should_compress(f):
                        for out in c.compress(p):
                            if out.endswith(".br"): br += os.path.getsize(out)
                            if out.endswith(".gz"): gz += os.path.getsize(out)
            print(br, gz)
            """,
            input: path("src") + "\n" + path("whitenoise")
        )
        let numbers = out.split(whereSeparator: \.isWhitespace).compactMap { Int64($0) }
        XCTAssertEqual(numbers.count, 2, out)
        guard numbers.count == 2 else { return }
        XCTAssertGreaterThan(numbers[0], 0)
        XCTAssertEqual(
            Double(hushBr),
            Double(numbers[0]),
            accuracy: Double(numbers[0]) * 0.01,
            "Brotli total vs WhiteNoise"
        )
        XCTAssertEqual(
            Double(hushGz),
            Double(numbers[1]),
            accuracy: Double(numbers[1]) * 0.01,
            "gzip total vs WhiteNoise"
        )
    }
}

/// Records fault-injection calls from worker threads.
final class Calls: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []

    func add(_ item: String) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
