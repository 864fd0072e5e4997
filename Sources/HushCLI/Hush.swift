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

    /// Errors from Hush itself are one line on stderr (`hush: …`) and a non-zero exit, never a
    /// trace; usage errors keep ArgumentParser's help text.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as CLIFailure {
            writeStandardError("hush: \(failure.message)\n")
            Glibc.exit(failure.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}
