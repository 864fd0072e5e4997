import Glibc

extension Server {
    /// The signals `hush serve` acts on: SIGTERM/SIGINT stop gracefully, SIGHUP reloads.
    static let handledSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// Blocks the handled signals in the calling thread and every thread it starts afterwards.
    ///
    /// Call before ``startBlocking(configuration:table:warn:)``, so the event-loop threads inherit
    /// the mask: a signal then stays pending until ``runUntilSignalled(ready:reloaded:)`` takes
    /// it with `sigwait`, and one sent right after the start-up line is never lost.
    public static func blockHandledSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Serves until SIGTERM or SIGINT, then stops gracefully and returns. SIGHUP rescans
    /// STATIC_ROOT and swaps the table (`hush collect` + SIGHUP is a zero-downtime deploy).
    ///
    /// - Parameters:
    ///   - ready: called once signals are being waited for (print the start-up line here).
    ///   - reloaded: called after each SIGHUP with the new table or the reason the old one stays.
    public func runUntilSignalled(ready: () -> Void, reloaded: (Result<FileTable, ServeError>) -> Void) {
        var set = Self.signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        ready()
        while true {
            var received: Int32 = 0
            guard sigwait(&set, &received) == 0 else { continue }
            if received == SIGHUP {
                reloaded(Result { () throws(ServeError) -> FileTable in try self.reload() })
            } else {
                break
            }
        }
        stopBlocking()
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handledSignals { sigaddset(&set, signal) }
        return set
    }
}
