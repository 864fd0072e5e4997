import Glibc

/// A property every input must keep. A violation prints what broke and aborts, so libFuzzer
/// saves the input as a crash reproducer like any other crash.
@inline(__always)
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        fputs("fuzz property violated: \(message())\n", stderr)
        abort()
    }
}
