import Dispatch
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Server {
    /// Serves until SIGTERM or SIGINT, then stops gracefully and returns. SIGHUP rescans
    /// STATIC_ROOT and swaps the table (`hush collect` + SIGHUP is a zero-downtime deploy).
    ///
    /// - Parameters:
    ///   - ready: called once the signal handlers are installed (print the start-up line here, so
    ///     a supervisor that signals right after reading it is handled).
    ///   - reloaded: called after each SIGHUP with the new table or the reason the old one stays.
    public func runUntilSignalled(ready: () -> Void, reloaded: @escaping @Sendable (Result<FileTable, ServeError>) -> Void) {
        let queue = DispatchQueue(label: "hush.signals")
        let stopped = DispatchSemaphore(value: 0)
        let stopping = NIOLockedValueBox(false)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            signal(sig, SIG_IGN)  // delivered to the dispatch source instead of killing the process
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [self] in
                if sig == SIGHUP {
                    reloaded(Result { () throws(ServeError) -> FileTable in try self.reload() })
                } else if !stopping.withLockedValue({ old in defer { old = true }; return old }) {
                    stopped.signal()
                }
            }
            source.resume()
            sources.append(source)
        }
        ready()
        stopped.wait()
        stopBlocking()
        for source in sources { source.cancel() }
    }
}
