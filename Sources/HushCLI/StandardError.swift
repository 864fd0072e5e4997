import Glibc
import HushSystem

/// Writes text to file descriptor 2 directly (the C `stderr` global is not concurrency-safe).
func writeStandardError(_ text: String) {
    // A failure has nowhere to be reported: stderr is where it would go.
    try? Syscall.writeFully(STDERR_FILENO, Array(text.utf8))
}
