import ArgumentParser
import Glibc

@main
struct Hush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hush",
        abstract: "Collect static assets with content-hashed names and serve them.",
        version: Version.text,
        subcommands: [CollectCommand.self, ServeCommand.self, CleanCommand.self, DjangoSourcesCommand.self]
    )

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            fail(with: error)
        }
    }

    /// The one way out of a failed run. ArgumentParser keeps what is its own: --help and
    /// --version (status 0) and usage errors — an unknown flag, a missing argument, a
    /// `ValidationError` from a cross-field check — printed with the usage text, status 64.
    /// Everything else (a ``CLIFailure``, from `run()` or from a `validate()`, which ArgumentParser
    /// hands back wrapped) is one line on stderr, `hush: <message>`, never a trace (CONTRIBUTING.md, "Errors").
    static func fail(with error: any Error) -> Never {
        let message = Self.message(for: error)
        guard exitCode(for: error) == .failure, !message.isEmpty else { exit(withError: error) }
        writeStandardError("hush: \(message)\n")
        Glibc.exit((error as? CLIFailure)?.exitCode ?? ExitCode.failure.rawValue)
    }
}
