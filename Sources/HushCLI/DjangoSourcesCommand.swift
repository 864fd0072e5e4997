import ArgumentParser
import Foundation

/// `hush django-sources`: what `hush collect --django` would collect, as Django reports it —
/// and the explicit `hush collect` line that does the same without asking Python.
struct DjangoSourcesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "django-sources",
        abstract: "Print the sources, STATIC_ROOT and options `hush collect --django` takes from Django.",
        discussion:
            "Run where manage.py is. One subprocess of the project's Python asks Django's own finders and storage."
    )

    @OptionGroup var django: DjangoOptions

    @Flag(help: "Print JSON (keys sorted) instead of text.")
    var json = false

    func run() throws {
        let project = try django.introspect()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(project), as: UTF8.self))
            return
        }
        print("Django \(project.django), settings \(project.settings)")
        print("STATIC_ROOT  \(project.staticRoot ?? "(not set)")")
        print("STATIC_URL   \(project.staticURL)")
        print(
            "storage      \(project.storage)\(project.jsModules ? " (ES modules rewritten)" : "")\(project.keepOnlyHashed ? " (keep only hashed)" : "")"
        )
        print("finders      \(project.finders.joined(separator: ", "))")
        print("ignore       \(project.ignorePatterns.joined(separator: " "))")
        print("sources, first wins:")
        for source in project.sources {
            print("  \(source.prefix.isEmpty ? source.path : source.prefix + "=" + source.path)  (\(source.origin))")
        }
        for source in project.skipped {
            print("  skipped, does not exist: \(source.path)  (\(source.origin))")
        }
        var line =
            ["hush", "collect"] + project.sources.map { $0.prefix.isEmpty ? $0.path : $0.prefix + "=" + $0.path }
        line += ["--output", project.staticRoot ?? "STATIC_ROOT", "--static-url", project.staticURL]
        line += project.extraIgnorePatterns.flatMap { ["--ignore", $0] }
        if project.jsModules { line.append("--js-modules") }
        if project.keepOnlyHashed { line.append("--keep-only-hashed") }
        print("equivalent:  " + line.map(Self.shellQuoted).joined(separator: " "))
    }

    /// POSIX shell quoting, only where needed.
    static func shellQuoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@%+,")
        if !word.isEmpty && word.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
