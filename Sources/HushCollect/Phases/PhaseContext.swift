import HushCore

/// What every phase of a run shares besides its data: where it writes (staging), how many
/// threads it may use, cancellation and progress. No phase reads another phase's state here;
/// data moves from phase to phase as typed results (``CopiedFile``, ``HashedFile``,
/// ``PublishedFile``).
struct PhaseContext {
    let staging: String
    let jobs: Int
    let cancellation: CancellationFlag
    let progress: (@Sendable (CollectProgress) -> Void)?
    /// Called at fixed points of a run, so tests can make files vanish or writes fail mid-run.
    let faultInjection: (@Sendable (FaultPoint) -> Void)?
    /// Large files being copied or compressed, named in the progress.
    let largeFiles = LargeFilesInFlight()

    /// `relative`'s path in staging.
    func staged(_ relative: String) -> String { staging + "/" + relative }

    func report(_ phase: CollectProgress.Phase, _ done: Int, _ total: Int) {
        progress?(CollectProgress(phase: phase, done: done, total: total, largeFiles: largeFiles.current))
    }

    /// Reports `name` as a large file in progress when `size` makes it one; the caller ends it
    /// (``LargeFilesInFlight/end(_:)``) when this returns true.
    func announceLarge(_ name: String, size: Int64, _ phase: CollectProgress.Phase, _ done: Int, _ total: Int) -> Bool {
        guard size >= CollectProgress.largeFileSize else { return false }
        largeFiles.begin(name, size: size)
        report(phase, done, total)
        return true
    }

    /// Creates every directory the given relative paths need, once, before the parallel phases.
    func makeParents(_ paths: [String]) throws(CollectError) {
        var made = Set<String>()
        for path in paths {
            let parent = PosixPath.dirname(path)
            if parent.isEmpty || made.contains(parent) { continue }
            try FileSystem.makeDirectories(staged(parent))
            made.insert(parent)
        }
    }

    /// ``parallelForEach(_:jobs:cancellation:_:)`` with this run's threads and cancellation.
    func forEachInParallel(_ order: [Int], _ body: (Int) throws(CollectError) -> Void) throws(CollectError) {
        try parallelForEach(order, jobs: jobs, cancellation: cancellation, body)
    }

    /// ``parallelMap(_:count:jobs:cancellation:_:)`` with this run's threads and cancellation.
    func mapInParallel<T>(
        _ order: [Int],
        count: Int,
        _ body: (Int) throws(CollectError) -> T
    ) throws(CollectError) -> [T] {
        try parallelMap(order, count: count, jobs: jobs, cancellation: cancellation, body)
    }
}

/// Indices of `sizes`, largest first, so one big file does not finish last.
func largestFirst(_ sizes: [Int64]) -> [Int] {
    sizes.indices.sorted { sizes[$0] > sizes[$1] }
}
