// Micro-benchmarks of HushCore: the vocabulary both collect and serve rely on.
// Allocation counts are the figures to watch on a shared machine; wall time is reported too.
// Names use only [A-Za-z0-9-]: `thresholds update` writes file names made shell-safe while
// `thresholds check` looks them up by the raw name, so a space or comma never matches.
import Benchmark
import HushCore

/// 1 MiB of deterministic, non-repeating bytes (an LCG), built once outside the measured loop.
private let oneMiB: [UInt8] = {
    var state: UInt32 = 0x1234_5678
    return (0..<(1 << 20)).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: state >> 24)
    }
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(2),
        maxIterations: 1_000,
        // Tolerances for `thresholds check` against the committed Thresholds/ (p90 values) and for
        // `baseline check`. Allocation counts are exact, so they are the guard: the median may not
        // move at all and p90 by at most 8 (the runtime's own occasional allocations). Wall time on
        // 2 cores shared with compilers swings by 2-3x, so it only flags a doubling.
        thresholds: [
            .mallocCountTotal: .init(absolute: [.p50: 0, .p90: 8]),
            .peakMemoryResident: .init(relative: [.p90: 10.0]),
            .wallClock: .init(relative: [.p50: 100.0, .p90: 100.0]),
        ]
    )

    // Hashing is on the collector's critical path: every file is hashed for its name (issue 2).
    Benchmark("MD5-1MiB") { benchmark in
        for _ in benchmark.scaledIterations {
            var md5 = MD5()
            oneMiB.withUnsafeBytes { md5.update($0) }
            blackHole(md5.hexDigest())
        }
    }

    // Per-file cost for trees of many small files (the 100k-file scaling run): a fresh digest,
    // one update and one hex digest per file, so allocations per file show up here.
    Benchmark("MD5-1000-files-of-1KiB") { benchmark in
        let files = (0..<1_000).map { i in oneMiB[(i * 1_024)..<(i * 1_024 + 1_024)] }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for file in files {
                var md5 = MD5()
                file.withUnsafeBytes { md5.update($0) }
                blackHole(md5.hexDigest())
            }
        }
    }

    // The same through the generic Sequence entry point, which callers holding [UInt8] may use.
    Benchmark("MD5-1MiB-sequence-update") { benchmark in
        for _ in benchmark.scaledIterations {
            var md5 = MD5()
            md5.update(oneMiB)
            blackHole(md5.hexDigest())
        }
    }
}
