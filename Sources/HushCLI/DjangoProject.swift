import ArgumentParser
import Dispatch
import Foundation
import HushCollect

/// `--python` and `--settings`, shared by `hush collect --django` and `hush django-sources`.
struct DjangoOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The project's Python (default: $VIRTUAL_ENV/bin/python, else python3 on PATH).",
            valueName: "PATH"
        )
    )
    var python: String?

    @Option(
        help: ArgumentHelp(
            "Settings module (default: DJANGO_SETTINGS_MODULE, else manage.py's default).",
            valueName: "MODULE"
        )
    )
    var settings: String?

    /// Resolves the interpreter and settings, then asks Django from the current directory.
    func introspect() throws -> DjangoProject {
        let environment = ProcessInfo.processInfo.environment
        let directory = FileManager.default.currentDirectoryPath
        let python = try DjangoProject.python(flag: python, environment: environment)
        let settings = try DjangoProject.settingsModule(flag: settings, environment: environment, directory: directory)
        let timeout = try DjangoProject.timeout(environment: environment)
        return try DjangoProject.introspect(
            python: python,
            settings: settings,
            directory: directory,
            environment: environment,
            timeout: timeout
        )
    }
}

/// What the project's own Django reported about `collectstatic` (see ``DjangoIntrospection``):
/// turned into the same ``CollectConfiguration`` as explicit flags, which override it.
struct DjangoProject: Codable, Equatable {
    struct Source: Codable, Equatable {
        var prefix: String
        var path: String
        /// `STATICFILES_DIRS` or `app <label>`.
        var origin: String
    }

    var django: String
    var settings: String
    var staticRoot: String?
    var staticURL: String
    /// In Django's search order: the first source holding a path wins.
    var sources: [Source]
    /// STATICFILES_DIRS entries that do not exist (Django skips them with warning W004).
    var skipped: [Source]
    var finders: [String]
    var ignorePatterns: [String]
    var storage: String
    var jsModules: Bool
    var keepOnlyHashed: Bool

    var sourceDirectories: [SourceDirectory] { sources.map { SourceDirectory(prefix: $0.prefix, path: $0.path) } }

    /// The patterns beyond Django's defaults, which Hush always applies.
    var extraIgnorePatterns: [String] {
        ignorePatterns.filter { !CollectConfiguration.defaultIgnorePatterns.contains($0) }
    }

    // MARK: - Finding the interpreter and the settings

    /// `--python`, else the active virtualenv's, else `python3` on PATH. A name without a slash is
    /// looked up on PATH, as a shell would.
    static func python(flag: String?, environment: [String: String]) throws -> String {
        if let flag {
            if flag.contains("/") { return flag }
            guard let found = searchPath(flag, environment: environment) else {
                throw CLIFailure(message: "--python \(flag): not found on PATH", exitCode: 1)
            }
            return found
        }
        if let venv = environment["VIRTUAL_ENV"], !venv.isEmpty,
            FileManager.default.isExecutableFile(atPath: venv + "/bin/python")
        {
            return venv + "/bin/python"
        }
        guard let found = searchPath("python3", environment: environment) else {
            throw CLIFailure(
                message:
                    "no python3 on PATH: pass --python PATH (the project's interpreter) or activate its virtualenv",
                exitCode: 1
            )
        }
        return found
    }

    static func searchPath(_ name: String, environment: [String: String]) -> String? {
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `--settings`, else DJANGO_SETTINGS_MODULE, else the default manage.py sets — as
    /// `manage.py collectstatic` would choose.
    static func settingsModule(flag: String?, environment: [String: String], directory: String) throws -> String {
        if let flag, !flag.isEmpty { return flag }
        if let module = environment["DJANGO_SETTINGS_MODULE"], !module.isEmpty { return module }
        let managePy = directory + "/manage.py"
        guard let text = try? String(contentsOfFile: managePy, encoding: .utf8) else {
            throw CLIFailure(
                message: "no manage.py in \(directory): run where manage.py is, or pass --settings MODULE",
                exitCode: 1
            )
        }
        guard let module = managePyDefault(text) else {
            throw CLIFailure(
                message: "manage.py sets no default DJANGO_SETTINGS_MODULE: pass --settings MODULE",
                exitCode: 1
            )
        }
        return module
    }

    /// The module in manage.py's `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "…")`.
    static func managePyDefault(_ text: String) -> String? {
        guard
            let pattern = try? Regex(#"setdefault\(\s*['"]DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z0-9_.]+)['"]"#),
            let match = try? pattern.firstMatch(in: text),
            let module = match.output[1].substring
        else { return nil }
        return String(module)
    }

    // MARK: - Asking Django

    /// How long Django may take to answer: `HUSH_DJANGO_TIMEOUT` seconds, 120 by default (a heavy
    /// project imports in seconds; a settings module that blocks must not hang a deploy).
    static func timeout(environment: [String: String]) throws -> Double {
        guard let text = environment["HUSH_DJANGO_TIMEOUT"], !text.isEmpty else { return 120 }
        guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
            throw CLIFailure(message: "HUSH_DJANGO_TIMEOUT=\(text): expected a number of seconds above 0", exitCode: 1)
        }
        return seconds
    }

    /// Runs ``DjangoIntrospection/script`` with `python` from `directory`; any failure, and no
    /// answer within `timeout` seconds (the interpreter is then killed), is one line.
    static func introspect(
        python: String,
        settings: String,
        directory: String,
        environment: [String: String],
        timeout: Double
    ) throws -> DjangoProject {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw CLIFailure(
                message: "cannot run \(python): no such executable (pass --python PATH, the project's interpreter)",
                exitCode: 1
            )
        }
        var environment = environment
        environment["DJANGO_SETTINGS_MODULE"] = settings
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", DjangoIntrospection.script]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw CLIFailure(
                message: "cannot run \(python): \(error.localizedDescription) (pass --python PATH)",
                exitCode: 1
            )
        }
        // Both pipes drained concurrently, so a chatty settings module cannot fill one and stall.
        let output = PipeBox()
        let started = DispatchTime.now()
        let watchdog = DispatchWorkItem {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        let readers = DispatchGroup()
        DispatchQueue.global().async(group: readers) { output.err = stderr.fileHandleForReading.readDataToEndOfFile() }
        output.out = stdout.fileHandleForReading.readDataToEndOfFile()
        readers.wait()
        process.waitUntilExit()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        if process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL, elapsed >= timeout {
            let limit = timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)
            throw CLIFailure(
                message:
                    "django: \(python) gave no answer within \(limit) s asking settings \(settings) (does importing them block? HUSH_DJANGO_TIMEOUT sets the limit)",
                exitCode: 1
            )
        }

        struct Failure: Decodable { var error: String }
        if let failure = try? JSONDecoder().decode(Failure.self, from: output.out) {
            throw CLIFailure(message: "django: \(failure.error)", exitCode: 1)
        }
        if process.terminationStatus == 0, let project = try? JSONDecoder().decode(DjangoProject.self, from: output.out)
        {
            return project
        }
        // The script ended without its JSON (settings called sys.exit, the interpreter crashed):
        // the last line Python printed names the cause.
        let lastLine =
            String(decoding: output.err, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "no output"
        throw CLIFailure(
            message:
                "django: \(python) exited with status \(process.terminationStatus) asking settings \(settings): \(lastLine)",
            exitCode: 1
        )
    }
}

private final class PipeBox: @unchecked Sendable {
    var out = Data()
    var err = Data()
}
