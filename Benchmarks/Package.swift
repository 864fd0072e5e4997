// swift-tools-version:6.1
// Hush micro-benchmarks (ordo-one/benchmark). A package of its own, depending on the root package
// by path, so that the root build and `make test` never compile the benchmark tooling.
//
//   cd Benchmarks && swift package benchmark                      # run all, wall time + allocations
//   swift package benchmark baseline update main                  # record a baseline
//   swift package benchmark baseline check main --check-absolute-path Thresholds
//
// One executable target per Hush module under Benchmarks/<Module>Benchmarks/, named for the module
// it measures; each depends only on that module (plus what its inputs need).
// Linux only, like Hush itself (it uses renameat2, TCP_CORK and st_mtim): no platforms are declared.
import PackageDescription

let benchmark: Target.Dependency = .product(name: "Benchmark", package: "benchmark")
let benchmarkPlugin: Target.PluginUsage = .plugin(name: "BenchmarkPlugin", package: "benchmark")

let package = Package(
    name: "HushBenchmarks",
    dependencies: [
        .package(name: "Hush", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HushCoreBenchmarks",
            dependencies: [benchmark, .product(name: "HushCore", package: "Hush")],
            path: "Benchmarks/HushCoreBenchmarks",
            plugins: [benchmarkPlugin]
        ),
        .executableTarget(
            name: "HushCompressBenchmarks",
            dependencies: [
                benchmark, .product(name: "HushCompress", package: "Hush"), .product(name: "HushCore", package: "Hush"),
            ],
            path: "Benchmarks/HushCompressBenchmarks",
            plugins: [benchmarkPlugin]
        ),
        .executableTarget(
            name: "HushCollectBenchmarks",
            dependencies: [
                benchmark, .product(name: "HushCollect", package: "Hush"), .product(name: "HushCore", package: "Hush"),
            ],
            path: "Benchmarks/HushCollectBenchmarks",
            plugins: [benchmarkPlugin]
        ),
        .executableTarget(
            name: "HushServeBenchmarks",
            dependencies: [
                benchmark, .product(name: "HushServe", package: "Hush"), .product(name: "HushCore", package: "Hush"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Benchmarks/HushServeBenchmarks",
            plugins: [benchmarkPlugin]
        ),
    ]
)
