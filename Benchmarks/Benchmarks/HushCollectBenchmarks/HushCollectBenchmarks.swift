// Micro-benchmark of HushCollect: collecting (hashing + reference rewriting + manifest, no
// compression) a tree whose one stylesheet is 200 KB with ~4,000 url() references. It measures
// the public pipeline, staging I/O included, which is what a user waits for.
import Benchmark
import Foundation
import HushCollect
import HushCore

/// The source tree, made once: css/app.css (200 KB) referencing 40 images in every quote style.
private let source: String = {
    let root = NSTemporaryDirectory() + "/hush-collect-bench-\(getpid())"
    try? FileManager.default.removeItem(atPath: root)
    try? FileManager.default.createDirectory(atPath: root + "/src/css", withIntermediateDirectories: true)
    try? FileManager.default.createDirectory(atPath: root + "/src/img", withIntermediateDirectories: true)
    for i in 0..<40 { try? Data("image \(i)".utf8).write(to: URL(fileURLWithPath: root + "/src/img/i\(i).png")) }
    var css = ""
    var n = 0
    while css.utf8.count < 200_000 {
        let quote = ["", "'", "\""][n % 3]
        css += ".r\(n) { background: url(\(quote)../img/i\(n % 40).png\(quote)) no-repeat; }\n"
        n += 1
    }
    try? Data(css.utf8).write(to: URL(fileURLWithPath: root + "/src/css/app.css"))
    return root
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        maxDuration: .seconds(3),
        maxIterations: 200,
        thresholds: [
            .wallClock: .init(relative: [.p50: 100.0, .p90: 100.0])
        ]
    )

    Benchmark("Collect-200KB-CSS-rewrite") { benchmark in
        var configuration = CollectConfiguration(
            sources: [SourceDirectory(path: source + "/src")],
            output: source + "/out"
        )
        configuration.compression = CompressionPolicy(codings: [])
        configuration.incremental = false
        for _ in benchmark.scaledIterations {
            blackHole(try Collector(configuration: configuration).run())
        }
    }
}
