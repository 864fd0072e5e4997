import Glibc
import HushCollect
import Synchronization

/// A live progress line on stderr, only when stderr is a terminal, redrawn at most every 100 ms.
final class StatusLine: Sendable {
    private let enabled: Bool
    /// When the line was last drawn, and the large files it named.
    private let lastDraw = Mutex<(millis: UInt64, large: [String])>((0, []))

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: CollectProgress) {
        guard enabled else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let millis = UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
        let large = progress.largeFiles.map(\.name)
        let due = lastDraw.withLock { last -> Bool in
            // A large file starting or ending is drawn at once: the line may then stand still.
            guard millis - last.millis >= 100 || progress.done == progress.total || large != last.large else {
                return false
            }
            last = (millis, large)
            return true
        }
        guard due else { return }
        let line = "\r\u{1b}[2Khush: " + progress.line
        writeStandardError(line)
    }

    func clear() {
        guard enabled else { return }
        writeStandardError("\r\u{1b}[2K")
    }
}
