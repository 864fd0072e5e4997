import Dispatch
import Synchronization

/// Runs `body` for indices `0..<count` on `jobs` threads, in the order given, and rethrows the
/// first error (remaining work is skipped once one fails or the run is cancelled).
func parallelForEach(
    _ order: [Int],
    jobs: Int,
    cancellation: CancellationFlag,
    _ body: (Int) throws(CollectError) -> Void
) throws(CollectError) {
    let next = Atomic<Int>(0)
    let failure = Mutex<CollectError?>(nil)
    let workers = max(1, min(jobs, order.count))
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                if cancellation.isCancelled {
                    failure.withLock { if $0 == nil { $0 = .interrupted } }
                    return
                }
                if failure.withLock({ $0 != nil }) { return }
                let slot = next.add(1, ordering: .relaxed).oldValue
                guard slot < order.count else { return }
                do throws(CollectError) {
                    try box.value(order[slot])
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
        }
    }
    if let error = failure.withLock({ $0 }) { throw error }
}

/// Lets a non-Sendable closure run on the worker threads of one synchronous call; the caller
/// guarantees the work it does on shared state is index-disjoint.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Per-index results written from worker threads; each index is written by one worker only.
final class Slots<T>: @unchecked Sendable {
    // Raw storage rather than an Array property: a class's Array would be checked for exclusive
    // access as a whole, and disjoint writes from several threads would trap.
    private let storage: UnsafeMutablePointer<T?>
    let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: nil, count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    subscript(index: Int) -> T? {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    /// Every index's value, in index order, once all are written: what a phase hands on.
    func finish() -> [T] {
        (0..<count).map { i in
            guard let value = storage[i] else {
                // A bug in this module, not bad input: ``parallelMap(_:count:jobs:cancellation:_:)``
                // calls this only after its body ran for every index without throwing.
                preconditionFailure("Slots.finish: index \(i) of \(count) was never written")
            }
            return value
        }
    }
}

/// `body` for every index `0..<count` on `jobs` threads (in the order given, which must hold
/// each index once), its results in index order.
func parallelMap<T>(
    _ order: [Int],
    count: Int,
    jobs: Int,
    cancellation: CancellationFlag,
    _ body: (Int) throws(CollectError) -> T
) throws(CollectError) -> [T] {
    let results = Slots<T>(count: count)
    try parallelForEach(order, jobs: jobs, cancellation: cancellation) { i throws(CollectError) in
        results[i] = try body(i)
    }
    return results.finish()
}

/// Set from a signal handler (SIGINT/SIGTERM) to stop a run cleanly.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }

    public func cancel() { flag.store(true, ordering: .relaxed) }
}
