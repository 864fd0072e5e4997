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
            with its .br/.gz siblings, printing each path.
            """
    )

    @Argument(help: ArgumentHelp("The STATIC_ROOT to clean.", valueName: "STATIC_ROOT"))
    var staticRoot: String

    @Option(parsing: .unconditional, help: ArgumentHelp("Earlier manifests to keep.", valueName: "N"))
    var keepVersions = 2

    @Option(parsing: .unconditional, help: ArgumentHelp("Also keep manifests retired within D days.", valueName: "D"))
    var maxAgeDays: Int?

    @Flag(help: "Print what would be removed, remove nothing.")
    var dryRun = false

    func run() throws {
        guard keepVersions >= 0 else { throw CLIFailure(message: "--keep-versions \(keepVersions): expected 0 or more", exitCode: 1) }
        if let maxAgeDays, maxAgeDays < 0 { throw CLIFailure(message: "--max-age-days \(maxAgeDays): expected 0 or more", exitCode: 1) }
        do {
            let plan = try StaticRootCleaner.clean(
                staticRoot: staticRoot, policy: RetentionPolicy(keepVersions: keepVersions, maxAgeDays: maxAgeDays),
                now: Date(), dryRun: dryRun
            ) { print("hush: \($0)") }
            print("hush: \(dryRun ? "would remove" : "removed") \(plan.delete.count) files; kept \(plan.keptVersions.count) earlier versions")
        } catch {
            throw CLIFailure(message: error.description, exitCode: 1)
        }
    }
}
