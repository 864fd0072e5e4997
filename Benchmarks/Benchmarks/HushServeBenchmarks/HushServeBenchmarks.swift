// Micro-benchmarks of HushServe's per-request work: header parsing (Accept-Encoding, Range,
// If-None-Match), the file-table lookup, and one whole request/response on an EmbeddedChannel.
// Allocation counts are the figures to watch; names use only [A-Za-z0-9-].
import Benchmark
import Foundation
import HushCore
import HushServe
import NIOCore
import NIOEmbedded

private let acceptEncoding = ArraySlice("gzip;q=0.8, br, deflate;q=0.5, *;q=0.1".utf8)
private let rangeField = ArraySlice("bytes=1000-1999".utf8)
private let ifNoneMatch = ArraySlice(#""aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", W/"0bf722c57368e7c0ddd9f96179da431d""#.utf8)
private let opaqueTag = Array("0bf722c57368e7c0ddd9f96179da431d".utf8)

/// A STATIC_ROOT of 1,000 small files (with .br/.gz siblings for the CSS), made once.
private let fixture: (configuration: ServeConfiguration, table: FileTable) = {
    let root = NSTemporaryDirectory() + "/hush-serve-bench-\(getpid())"
    try? FileManager.default.removeItem(atPath: root)
    for i in 0..<1_000 {
        let directory = root + "/css/d\(i % 20)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let css = Data(String(repeating: ".c\(i) { color: #\(i % 10)\(i % 10)\(i % 10); }\n", count: 60).utf8)
        try? css.write(to: URL(fileURLWithPath: directory + "/f\(i).0123456789ab.css"))
        try? css.write(to: URL(fileURLWithPath: directory + "/f\(i).0123456789ab.css.gz"))
        try? css.write(to: URL(fileURLWithPath: directory + "/f\(i).0123456789ab.css.br"))
    }
    let configuration = ServeConfiguration(root: root)
    do {
        return (configuration, try FileTable.load(configuration: configuration))
    } catch {
        fatalError("benchmark fixture: \(error)")
    }
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        maxDuration: .seconds(2),
        maxIterations: 100_000,
        thresholds: [
            .mallocCountTotal: .init(absolute: [.p50: 0, .p90: 8]),
            .wallClock: .init(relative: [.p50: 100.0, .p90: 100.0]),
        ]
    )

    Benchmark("Accept-Encoding-parse") { benchmark in
        let available: [ContentCoding] = [.br, .gzip]
        for _ in benchmark.scaledIterations {
            blackHole(Negotiation.chooseCoding(acceptEncoding: acceptEncoding, available: available))
        }
    }

    Benchmark("Range-parse") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Negotiation.range(rangeField, length: 100_000))
        }
    }

    Benchmark("If-None-Match-compare") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Negotiation.tagListMatches(ifNoneMatch, opaqueTag: opaqueTag, weakComparison: true))
        }
    }

    Benchmark("FileTable-lookup") { benchmark in
        let table = fixture.table
        for i in benchmark.scaledIterations {
            blackHole(table.resource(at: "css/d\(i % 20)/f\(i % 1_000).0123456789ab.css"))
        }
    }

    // One keep-alive GET answered from memory with the Brotli sibling: parse, negotiate, write.
    Benchmark("EmbeddedChannel-GET-3KB-CSS") { benchmark in
        let channel = EmbeddedChannel(
            handler: ConnectionHandler.make(configuration: fixture.configuration, tables: TableBox(fixture.table))
        )
        let request =
            "GET /static/css/d3/f3.0123456789ab.css HTTP/1.1\r\nHost: bench\r\nAccept-Encoding: br, gzip\r\n\r\n"
        var buffer = channel.allocator.buffer(capacity: request.utf8.count)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            buffer.clear()
            buffer.writeString(request)
            try channel.writeInbound(buffer)
            while let response = try channel.readOutbound(as: IOData.self) { blackHole(response) }
        }
        benchmark.stopMeasurement()
        _ = try? channel.finish()
    }
}
