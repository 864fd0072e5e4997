import ArgumentParser
import Foundation
import HushCollect
import HushCore

/// `hush clean`: removes from STATIC_ROOT the hashed files that no kept manifest names
/// (like `mix phx.digest.clean`).
struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Remove hashed files of runs that fall outside the retention policy.",
        discussion: """
            Keeps the current staticfiles.json and the --keep-versions most recent earlier manifests \
            (and any retired within --max-age-days); removes every file only expired manifests name, \
            with its .br/.zst/.gz siblings, printing each path.
            """
    )

    @Argument(help: ArgumentHelp("The STATIC_ROOT to clean.", valueName: "STATIC_ROOT"))
    var staticRoot: String

    @OptionGroup var retention: RetentionOptions

    @Flag(help: "Print what would be removed, remove nothing.")
    var dryRun = false

    func run() throws {
        do {
            let plan = try StaticRootCleaner.clean(
                staticRoot: staticRoot,
                policy: retention.policy,
                now: Date(),
                dryRun: dryRun
            ) { print("hush: \($0)") }
            print(
                "hush: \(dryRun ? "would remove" : "removed") \(plan.delete.count) files; kept \(plan.keptVersions.count) earlier versions"
            )
        } catch {
            throw CLIFailure(message: error.description)
        }
    }
}
