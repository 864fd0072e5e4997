#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes text to file descriptor 2 directly (the C `stderr` global is not concurrency-safe).
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(2, raw.baseAddress! + offset, raw.count - offset)
            if n <= 0 { if n < 0 && errno == EINTR { continue } else { return } }
            offset += n
        }
    }
}
