import Foundation
import HushCore
import XCTest

@testable import HushCollect

/// Bad input and faults: faults injected in-process at fixed points of a run. Every one
/// must end the run with a one-line error and leave the previous STATIC_ROOT exactly as it was,
/// with no staging directory left behind. (Tests run as root: permission bits stop nothing, so
/// the faults are structural.)
final class FaultTests: PipelineTestCase {
    var before: [String: Data] = [:]

    /// A published STATIC_ROOT, then changed sources so the next run has real work to do.
    func publishThenChangeSources() throws {
        try root.write("src/big.txt", Self.cssLike(20_000, seed: 1))
        try root.write("src/css/app.css", ".a { background: url(../img/a.png); }\n" + Self.cssLike(3000, seed: 2))
        try root.write("src/img/a.png", randomBytes(400))
        try root.write("src/small.txt", "small\n")
        try collect()
        before = try snapshot(output)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: CacheDirectory(path: cacheDirectory).statePath(for: output)),
            "premise: an incremental state"
        )
        try root.write("src/big.txt", Self.cssLike(20_500, seed: 3))
        try root.write("src/css/app.css", ".a { background: url(../img/a.png); }\n" + Self.cssLike(3100, seed: 4))
    }

    func assertFailsLeavingOutputIntact(
        _ inject: @escaping @Sendable (FaultPoint) -> Void,
        cancellation: CancellationFlag = CancellationFlag(),
        file: StaticString = #filePath,
        line: UInt = #line,
        check: (CollectError) -> Void = { _ in }
    ) throws {
        XCTAssertThrowsError(
            try collect(cancellation: cancellation) {
                $0.jobs = 1
                $0.faultInjection = inject
            },
            file: file,
            line: line
        ) { error in
            guard let error = error as? CollectError else {
                return XCTFail("not a CollectError: \(error)", file: file, line: line)
            }
            XCTAssertFalse(
                error.description.contains("\n"),
                "not one line: \(error.description)",
                file: file,
                line: line
            )
            XCTAssertFalse(error.description.isEmpty, file: file, line: line)
            check(error)
        }
        XCTAssertEqual(try snapshot(output), before, "the previous STATIC_ROOT changed", file: file, line: line)
        XCTAssertEqual(try leftovers(), [], "staging left behind", file: file, line: line)
    }

    func testSourceRemovedMidRunIsAnErrorNamingItAndLeavesTheOutputIntact() throws {
        try publishThenChangeSources()
        let victim = path("src/small.txt")
        // One job, largest first: big.txt is copied first, small.txt last.
        // swift-format-ignore: OnlyOneTrailingClosureArgument
        try assertFailsLeavingOutputIntact({ point in
            if case .beforeCopy("big.txt") = point { unlink(victim) }
        }) { error in
            XCTAssertTrue(error.description.contains(victim), "error does not name the vanished file: \(error)")
        }
    }

    func testDirectoryWhereABrotliSiblingMustGoIsAnErrorAndLeavesTheOutputIntact() throws {
        try publishThenChangeSources()
        let calls = Calls()
        try assertFailsLeavingOutputIntact({ point in
            if case .beforeCompress(let staged) = point, staged.hasSuffix(".txt") || staged.hasSuffix(".css") {
                calls.add(staged)
                mkdir(staged + ".br", 0o755)
            }
        })
        XCTAssertFalse(calls.all.isEmpty, "premise: the hook ran")
    }

    func testStagedFileWhoseDirectoryVanishesBeforeCompressionIsAnErrorAndLeavesTheOutputIntact() throws {
        try publishThenChangeSources()
        // swift-format-ignore: OnlyOneTrailingClosureArgument
        try assertFailsLeavingOutputIntact({ point in
            if case .beforeCompress(let staged) = point, staged.hasSuffix("css/app.css") || staged.contains("css/app.")
            {
                let directory = (staged as NSString).deletingLastPathComponent
                rename(directory, directory + "-moved")
            }
        }) { error in
            XCTAssertTrue(error.description.contains("app."), "\(error)")
        }
    }

    func testStagingRemovedJustBeforePublishIsAnErrorAndLeavesTheOutputIntact() throws {
        try publishThenChangeSources()
        try assertFailsLeavingOutputIntact({ point in
            if case .beforePublish(let staging) = point { FileSystem.removeTree(staging) }
        })
    }

    func testStagingRemovedJustBeforeTheFirstPublishLeavesNoOutput() throws {
        try root.write("src/a.txt", "a")
        XCTAssertThrowsError(
            try collect {
                $0.faultInjection = { point in
                    if case .beforePublish(let staging) = point { FileSystem.removeTree(staging) }
                }
            }
        )
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "an empty tree was published")
        XCTAssertEqual(try leftovers(), [])
    }

    func testCancellationFromInsideTheRunIsInterruptedAndLeavesTheOutputIntact() throws {
        try publishThenChangeSources()
        let flag = CancellationFlag()
        // swift-format-ignore: OnlyOneTrailingClosureArgument
        try assertFailsLeavingOutputIntact(
            { point in
                if case .beforeCopy = point { flag.cancel() }
            },
            cancellation: flag
        ) { error in
            XCTAssertEqual(error, .interrupted)
        }
    }

    func testCancellationDuringCompressionIsInterruptedAndLeavesTheOutputIntact() throws {
        try publishThenChangeSources()
        let flag = CancellationFlag()
        // swift-format-ignore: OnlyOneTrailingClosureArgument
        try assertFailsLeavingOutputIntact(
            { point in
                if case .beforeCompress = point { flag.cancel() }
            },
            cancellation: flag
        ) { error in
            XCTAssertEqual(error, .interrupted)
        }
    }

    /// After a failed run the next one works and its cache is still usable.
    func testRunAfterAFaultSucceedsWithCorrectOutput() throws {
        try publishThenChangeSources()
        let victim = path("src/small.txt")
        try assertFailsLeavingOutputIntact({ point in
            if case .beforeCopy("big.txt") = point { rename(victim, victim + ".away") }
        })
        rename(victim + ".away", victim)
        try collect()
        let cold = path("cold/static")
        try collect(output: cold) { $0.incremental = false }
        let paths = try manifestPaths()
        for (original, hashed) in paths {
            for name in [original, hashed, hashed + ".br", hashed + ".gz"] {
                XCTAssertEqual(exists(name), exists(name, in: cold), name)
                if exists(name) { XCTAssertEqual(try bytes(name), try bytes(name, in: cold), name) }
            }
        }
    }
}
