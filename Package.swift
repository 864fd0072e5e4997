// swift-tools-version:6.2
// Hush: a static-asset collector and HTTP static file server.
// One module per step of the data flow:
//   source dirs -> HushCollect -> STATIC_ROOT + staticfiles.json -> HushServe's FileTable -> HTTP
// HushCore holds the vocabulary both sides share; HushCLI only turns flags into configuration.
// HushSystem is the one system-call layer (EINTR retried, errno turned into a typed error, one
// directory reader, one file-identity type). It sits beside HushCore, not under it: HushCore stays
// values only — pure, no I/O — so everything in it is testable without a file system.
// Hush targets Linux only (glibc; it uses renameat2, TCP_CORK, st_mtim): no Darwin branches.
import PackageDescription

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
]

// HTTP/2 over cleartext (`hush serve --h2c`): the frame layer, HPACK and its DoS limits.
let nioHTTP2: [Target.Dependency] = [
    .product(name: "NIOHTTP2", package: "swift-nio-http2"),
    .product(name: "NIOHPACK", package: "swift-nio-http2"),
]

// Hush's own targets build with warnings as errors (tools 6.2's warning control); SwiftPM applies
// this to this package's targets only, never to the dependencies'.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "Hush",
    products: [
        .executable(name: "hush", targets: ["HushCLI"]),
        .library(name: "HushCore", targets: ["HushCore"]),
        .library(name: "HushCompress", targets: ["HushCompress"]),
        .library(name: "HushCollect", targets: ["HushCollect"]),
        .library(name: "HushServe", targets: ["HushServe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Prometheus text exposition for `--metrics-listen` (swift-metrics comes with it). Only the
        // scrape uses it: requests count into per-event-loop plain counters (see ServeMetrics).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlienc", providers: [.apt(["libbrotli-dev"])]),
        // OpenSSL's libcrypto for MD5 and SHA-384 only: the collector digests every byte it publishes.
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Zstandard (RFC 8878) for `.zst` siblings and RFC 9842's dictionary-compressed deltas.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "HushCore", dependencies: ["CCrypto"], swiftSettings: strict),
        .target(name: "HushSystem", swiftSettings: strict),
        .target(
            name: "HushCompress",
            dependencies: ["HushCore", "HushSystem", "CZlib", "CBrotli", "CZstd"],
            swiftSettings: strict
        ),
        .target(name: "HushCollect", dependencies: ["HushCore", "HushSystem", "HushCompress"], swiftSettings: strict),
        .target(
            name: "HushServe",
            dependencies: ["HushCore", "HushSystem", .product(name: "Prometheus", package: "swift-prometheus")] + nio
                + nioHTTP2,
            swiftSettings: strict
        ),
        .executableTarget(
            name: "HushCLI",
            dependencies: [
                "HushCore", "HushSystem", "HushCompress", "HushCollect", "HushServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict,
            plugins: ["BuildInfo"]
        ),
        // Records the git commit for `hush --version` before each build.
        .plugin(name: "BuildInfo", capability: .buildTool()),
        // Helpers shared by the test targets (temporary trees, processes, the reference Python).
        .target(
            name: "HushTestSupport",
            dependencies: ["HushCore"],
            path: "Tests/HushTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "HushCoreTests", dependencies: ["HushCore", "HushTestSupport"], swiftSettings: strict),
        .testTarget(name: "HushSystemTests", dependencies: ["HushSystem"], swiftSettings: strict),
        .testTarget(
            name: "HushCompressTests",
            dependencies: ["HushCompress", "HushCore", "HushTestSupport", "CZlib", "CBrotli", "CZstd"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HushCollectTests",
            dependencies: ["HushCollect", "HushCore", "HushCompress", "HushSystem", "HushTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HushServeTests",
            dependencies: [
                "HushServe", "HushCore", "HushTestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ] + nio + nioHTTP2,
            swiftSettings: strict
        ),
        .testTarget(name: "HushCLITests", dependencies: ["HushCore", "HushTestSupport"], swiftSettings: strict),
    ]
)
