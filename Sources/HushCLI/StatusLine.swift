import HushCollect
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A live progress line on stderr, only when stderr is a terminal, redrawn at most every 100 ms.
final class StatusLine: Sendable {
    private let enabled: Bool
    private let lastDraw = Mutex<UInt64>(0)

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: CollectProgress) {
        guard enabled else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let millis = UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
        let due = lastDraw.withLock { last -> Bool in
            guard millis - last >= 100 || progress.done == progress.total else { return false }
            last = millis
            return true
        }
        guard due else { return }
        let line = "\r\u{1b}[2Khush: \(progress.phase.rawValue) \(progress.done)/\(progress.total)"
        writeStandardError(line)
    }

    func clear() {
        guard enabled else { return }
        writeStandardError("\r\u{1b}[2K")
    }
}
