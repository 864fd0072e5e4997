/// The one error type of the CLI: whatever goes wrong after the flags parse — a value out of
/// range (thrown from a `validate()`), the environment, Django, the collector, the server — is
/// thrown as a `CLIFailure`, and ``Hush/fail(with:)`` prints it as one line on stderr,
/// `hush: <message>`, and exits with `exitCode`. Usage errors (an unknown flag, a missing
/// argument, a `ValidationError`) stay ArgumentParser's, with the usage text.
struct CLIFailure: Error, CustomStringConvertible {
    let message: String
    /// 1, or 130 for a run stopped by SIGINT/SIGTERM (128 + SIGINT, as a shell reports it). A
    /// failure thrown from `validate()` always exits 1: ArgumentParser wraps it on the way out.
    var exitCode: Int32 = 1
    var description: String { message }
}
