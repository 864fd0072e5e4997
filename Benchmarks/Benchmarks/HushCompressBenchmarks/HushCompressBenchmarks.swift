// Micro-benchmarks of HushCompress: Brotli quality 11 and gzip -9 over a 100 KB JS-like text, the
// cost that dominates a cold `hush collect`. Names use only [A-Za-z0-9-] (see HushCoreBenchmarks).
import Benchmark
import HushCompress
import HushCore

/// 100 KB of minified-looking JavaScript, deterministic, built once outside the measured loop.
private let script: [UInt8] = {
    var text = ""
    var n = 0
    while text.utf8.count < 100_000 {
        text += "function f\(n)(a,b){return a*\(n % 97)+b-\(n % 13)};var v\(n)=f\(n)(\(n),\(n * 7 % 101));"
        n += 1
    }
    return Array(text.utf8.prefix(100_000))
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        maxDuration: .seconds(3),
        maxIterations: 200,
        thresholds: [
            .mallocCountTotal: .init(absolute: [.p50: 0, .p90: 8]),
            .wallClock: .init(relative: [.p50: 100.0, .p90: 100.0]),
        ]
    )

    Benchmark("Brotli-q11-100KB-JS") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try compress(script, coding: .br))
        }
    }

    Benchmark("Gzip-9-100KB-JS") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try compress(script, coding: .gzip))
        }
    }
}
