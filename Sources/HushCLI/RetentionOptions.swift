import ArgumentParser
import HushCore

/// `--keep-versions` and `--max-age-days`, shared by `hush collect` (which carries the kept
/// versions into the new tree) and `hush clean` (which removes the rest): one declaration, one
/// check, one ``RetentionPolicy``.
struct RetentionOptions: ParsableArguments {
    // `.unconditional`, so that `--keep-versions -1` reaches the range check below instead of
    // being read as an unknown flag `-1`.
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Keep the hashed files of this many previous runs, for rolling deploys.", valueName: "N")
    )
    var keepVersions = 2

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Also keep the hashed files of runs retired within D days.", valueName: "D")
    )
    var maxAgeDays: Int?

    /// Runs while the flags are parsed, before any work; a value out of range is one line and
    /// status 1 (see ``Hush/main()``), not a usage error.
    func validate() throws {
        guard keepVersions >= 0 else {
            throw CLIFailure(message: "--keep-versions \(keepVersions): expected 0 or more")
        }
        if let maxAgeDays, maxAgeDays < 0 {
            throw CLIFailure(message: "--max-age-days \(maxAgeDays): expected 0 or more")
        }
    }

    var policy: RetentionPolicy { RetentionPolicy(keepVersions: keepVersions, maxAgeDays: maxAgeDays) }
}
