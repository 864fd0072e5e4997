import Foundation
import HushCore
import XCTest

/// `hush collect --django` and `hush django-sources` on a Django project of its own
/// (`Tests/DjangoSite`: the admin, two apps with static files, a prefixed STATICFILES_DIRS entry,
/// a file shadowed between sources, a custom ignore pattern), against `manage.py collectstatic`
/// with ManifestStaticFilesStorage on Django 6.1 and 5.2 LTS.
final class DjangoProjectCLITests: CLITestCase {
    override class var rootLabel: String { "hush-django-project" }

    static let site = repositoryRoot + "/Tests/DjangoSite"

    /// A path as Python's `os.path.abspath` and `os.getcwd` spell it (the temporary root's
    /// `NSTemporaryDirectory() + "/…"` has a double slash).
    func clean(_ path: String) -> String {
        var path = path
        while path.contains("//") { path = path.replacingOccurrences(of: "//", with: "/") }
        return path
    }

    /// The environment a user's shell would give: the venv active, no settings module forced, the
    /// project's STATIC_ROOT pointed into the test's temporary root.
    func environment(python: String, staticRoot: String, extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DJANGO_SETTINGS_MODULE"] = nil
        environment["VIRTUAL_ENV"] =
            URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().path
        environment["HUSH_SITE_STATIC_ROOT"] = staticRoot
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        return environment.merging(extra) { $1 }
    }

    func hush(
        _ arguments: [String],
        python: String,
        staticRoot: String,
        in directory: String = site,
        extra: [String: String] = [:]
    ) throws -> ProcessResult {
        try runProcess(
            hushBinary,
            arguments,
            environment: environment(python: python, staticRoot: staticRoot, extra: extra),
            in: directory
        )
    }

    /// Every file of a collected tree except Hush's own additions (siblings Django does not
    /// write, `.hush/`, `hush-manifest.json`).
    func comparableTree(_ root: String) throws -> [String: Data] {
        let tree = try snapshot(root, skipping: [".hush", "hush-manifest.json"])
        return tree.filter { path, _ in
            guard let (primary, _, foreign) = ContentCoding.sibling(path), !foreign else { return true }
            return tree[primary] == nil
        }
    }

    func manifest(_ root: String) throws -> [String: Any] {
        try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/staticfiles.json")))
                as? [String: Any]
        )
    }

    /// Collects the site with both tools; returns (hush root, Django root).
    func collectBoth(python: String, file: StaticString = #filePath, line: UInt = #line) throws -> (String, String) {
        let hushRoot = path("hush/static")
        let djangoRoot = path("django/static")
        // Siblings are left out of the comparison anyway; not writing them saves most of the time.
        let result = try hush(
            ["collect", "--django", "--no-brotli", "--no-zstd", "--no-gzip"],
            python: python,
            staticRoot: hushRoot
        )
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stdout.hasPrefix("hush: collected "), result.stdout, file: file, line: line)
        let django = try runProcess(
            python,
            ["manage.py", "collectstatic", "--noinput", "-v", "0"],
            environment: environment(python: python, staticRoot: djangoRoot),
            in: Self.site
        )
        XCTAssertEqual(django.status, 0, django.stderr, file: file, line: line)
        return (hushRoot, djangoRoot)
    }

    func assertSameTree(
        _ hushRoot: String,
        _ djangoRoot: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let hushTree = try comparableTree(hushRoot)
        let djangoTree = try snapshot(djangoRoot)
        XCTAssertEqual(Set(hushTree.keys), Set(djangoTree.keys), "different file sets", file: file, line: line)
        for (name, bytes) in djangoTree where name != "staticfiles.json" && hushTree[name] != bytes {
            XCTFail("\(name) differs", file: file, line: line)
        }
        // The project's own rules reached both: the shadowing source won, the custom pattern held,
        // the prefixed entry and the admin's files are in.
        XCTAssertEqual(
            String(decoding: hushTree["shared/notice.txt"] ?? Data(), as: UTF8.self),
            "the project's notice: wins over both apps\n",
            file: file,
            line: line
        )
        XCTAssertNil(hushTree["blog/scss/blog.scss"], file: file, line: line)
        XCTAssertNotNil(hushTree["vendor/lib/reset.css"], file: file, line: line)
        XCTAssertNotNil(hushTree["admin/css/base.css"], file: file, line: line)
        let hushPaths = try manifest(hushRoot)["paths"] as? [String: String]
        XCTAssertEqual(
            hushPaths,
            try manifest(djangoRoot)["paths"] as? [String: String],
            "different mapping",
            file: file,
            line: line
        )
        XCTAssertEqual(
            try manifest(hushRoot)["hash"] as? String,
            try manifest(djangoRoot)["hash"] as? String,
            file: file,
            line: line
        )
        XCTAssertGreaterThan(hushPaths?.count ?? 0, 50, file: file, line: line)
    }

    // MARK: - Equality with collectstatic

    func testCollectDjangoEqualsCollectstaticOnDjango61ByteForByte() throws {
        let python = try djangoPython()
        let (hushRoot, djangoRoot) = try collectBoth(python: python)
        try assertSameTree(hushRoot, djangoRoot)
        // Django 6.0 and later write the paths sorted, as Hush does: the same bytes.
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: hushRoot + "/staticfiles.json")),
            try Data(contentsOf: URL(fileURLWithPath: djangoRoot + "/staticfiles.json"))
        )
    }

    func testCollectDjangoEqualsCollectstaticOnDjango52WithTheSameMapping() throws {
        let python = try django52Python()
        let (hushRoot, djangoRoot) = try collectBoth(python: python)
        try assertSameTree(hushRoot, djangoRoot)
        // Django 5.2 writes the paths in processing order (Hush sorts them): the bytes differ,
        // the mapping does not (checked above); the keys are the same set in another order.
        let hushBytes = try Data(contentsOf: URL(fileURLWithPath: hushRoot + "/staticfiles.json"))
        let djangoBytes = try Data(contentsOf: URL(fileURLWithPath: djangoRoot + "/staticfiles.json"))
        XCTAssertEqual(hushBytes.count, djangoBytes.count)
        XCTAssertNotEqual(hushBytes, djangoBytes, "Django 5.2 now sorts its manifest: update the README's version note")
    }

    // MARK: - What Django reports

    func testDjangoSourcesListsFindersDirectoriesInDjangosSearchOrder() throws {
        let python = try djangoPython()
        let result = try hush(["django-sources", "--json"], python: python, staticRoot: path("static"))
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        let sources = try XCTUnwrap(report["sources"] as? [[String: String]])
        XCTAssertEqual(
            sources.map { $0["origin"] },
            ["STATICFILES_DIRS", "STATICFILES_DIRS", "app django.contrib.admin", "app shop", "app blog"]
        )
        XCTAssertEqual(sources.map { $0["prefix"] }, ["", "vendor", "", "", ""])
        XCTAssertEqual(sources[0]["path"], Self.site + "/site_static")
        XCTAssertTrue(sources[2]["path"]?.hasSuffix("/django/contrib/admin/static") == true)
        XCTAssertEqual(report["ignorePatterns"] as? [String], ["CVS", ".*", "*~", "*.scss"])
        XCTAssertEqual(report["staticRoot"] as? String, clean(path("static")))
        XCTAssertEqual(report["staticURL"] as? String, "/static/")
        XCTAssertEqual(report["settings"] as? String, "site_config.settings", "manage.py's default")
        XCTAssertEqual(report["storage"] as? String, "django.contrib.staticfiles.storage.ManifestStaticFilesStorage")
        XCTAssertEqual(report["jsModules"] as? Bool, false)

        let text = try hush(["django-sources"], python: python, staticRoot: path("static"))
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("  vendor=\(Self.site)/vendor_static  (STATICFILES_DIRS)\n"), text.stdout)
        XCTAssertTrue(
            text.stdout.contains("--output \(clean(path("static"))) --static-url /static/ --ignore '*.scss'\n"),
            text.stdout
        )
    }

    func testStorageSwitchTurnsOnJSModulesAndAnExplicitFlagWins() throws {
        let python = try djangoPython()
        let report = try hush(
            ["django-sources", "--json", "--settings", "site_config.settings_modules"],
            python: python,
            staticRoot: path("static")
        )
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains(#""jsModules" : true"#), report.stdout)
        // The explicit flags replace Django's answer: one source, another root.
        try root.write("own/app.js", "import \"./dep.js\";\n")
        try root.write("own/dep.js", "export {};\n")
        let result = try hush(
            [
                "collect", "--django", "--settings", "site_config.settings_modules", path("own"), "--output",
                path("explicit"), "--no-js-modules",
            ],
            python: python,
            staticRoot: path("static")
        )
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("static")))
        let paths = try XCTUnwrap(manifest(path("explicit"))["paths"] as? [String: String])
        XCTAssertEqual(Set(paths.keys), ["app.js", "dep.js"])
        XCTAssertEqual(
            try String(contentsOfFile: path("explicit/") + paths["app.js"]!, encoding: .utf8),
            "import \"./dep.js\";\n",
            "--no-js-modules won over the storage"
        )
    }

    func testAMissingStaticfilesDirIsSkippedWithAWarningAsDjangoDoes() throws {
        let result = try hush(
            [
                "collect", "--django", "--settings", "site_config.settings_missing_dir", "--no-brotli", "--no-zstd",
                "--no-gzip",
                "--quiet",
            ],
            python: try djangoPython(),
            staticRoot: path("static")
        )
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("static/vendor/lib/reset.css")))
        // --quiet silences the warning; without it, one line names the directory.
        let report = try hush(
            [
                "collect", "--django", "--settings", "site_config.settings_missing_dir", "--dry-run", "--no-brotli",
                "--no-zstd", "--no-gzip",
            ],
            python: try djangoPython(),
            staticRoot: path("static")
        )
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertEqual(
            report.stderr,
            "hush: warning: \(Self.site)/no_such_static (STATICFILES_DIRS) does not exist; skipped, as Django does\n"
        )
    }

    /// manage.py's default in either quote style, with the project importable through PYTHONPATH.
    func testTheSettingsModuleComesFromManagePyWhenNothingElseNamesIt() throws {
        try root.write(
            "elsewhere/manage.py",
            "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_config.settings_modules')\n"
        )
        let result = try hush(
            ["django-sources", "--json"],
            python: try djangoPython(),
            staticRoot: path("static"),
            in: path("elsewhere"),
            extra: ["PYTHONPATH": Self.site]
        )
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains(#""settings" : "site_config.settings_modules""#), result.stdout)
        // DJANGO_SETTINGS_MODULE wins over manage.py's default, --settings over both.
        let fromEnvironment = try hush(
            ["django-sources", "--json"],
            python: try djangoPython(),
            staticRoot: path("static"),
            in: path("elsewhere"),
            extra: ["PYTHONPATH": Self.site, "DJANGO_SETTINGS_MODULE": "site_config.settings"]
        )
        XCTAssertTrue(
            fromEnvironment.stdout.contains(#""settings" : "site_config.settings""#),
            fromEnvironment.stdout + fromEnvironment.stderr
        )
        let fromFlag = try hush(
            ["django-sources", "--json", "--settings", "site_config.settings_missing_dir"],
            python: try djangoPython(),
            staticRoot: path("static"),
            in: path("elsewhere"),
            extra: ["PYTHONPATH": Self.site, "DJANGO_SETTINGS_MODULE": "site_config.settings"]
        )
        XCTAssertTrue(
            fromFlag.stdout.contains(#""settings" : "site_config.settings_missing_dir""#),
            fromFlag.stdout + fromFlag.stderr
        )
    }

    // MARK: - Refusals, one line each, nothing written

    func assertRefused(
        settings: String,
        python: String? = nil,
        in directory: String = site,
        message: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        var arguments = ["collect", "--django"]
        if !settings.isEmpty { arguments += ["--settings", settings] }
        let result = try hush(
            arguments + (python.map { ["--python", $0] } ?? []),
            python: try djangoPython(),
            staticRoot: path("static"),
            in: directory
        )
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "hush: " + message + "\n", file: file, line: line)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: path("static")),
            "a refused run wrote STATIC_ROOT",
            file: file,
            line: line
        )
    }

    func testAFinderHushCannotReproduceIsOneLineNamingItsClass() throws {
        try assertRefused(
            settings: "site_config.settings_finder",
            message:
                "django: staticfiles finder site_config.variants.RemoteFinder: Hush reproduces only FileSystemFinder and AppDirectoriesFinder"
        )
    }

    func testAStorageThatOverridesTheRewritingIsRefused() throws {
        try assertRefused(
            settings: "site_config.settings_storage",
            message:
                "django: staticfiles storage site_config.variants.CustomPatternsStorage overrides patterns: Hush reproduces ManifestStaticFilesStorage and WhiteNoise's or ServeStatic's CompressedManifestStaticFilesStorage"
        )
    }

    func testAnAppConfigDroppingADefaultIgnorePatternIsRefused() throws {
        try assertRefused(
            settings: "site_config.settings_ignore",
            message:
                "django: staticfiles app config site_config.variants.NoDefaultsStaticFilesConfig drops the default ignore pattern(s) .*, which Hush always applies"
        )
    }

    func testBrokenSettingsAreOneLineNamingTheCause() throws {
        try assertRefused(
            settings: "site_config.settings_broken",
            message:
                "django: settings site_config.settings_broken: ModuleNotFoundError: No module named 'hush_no_such_module'"
        )
        try assertRefused(
            settings: "site_config.no_such_settings",
            message:
                "django: settings site_config.no_such_settings: ModuleNotFoundError: No module named 'site_config.no_such_settings'"
        )
    }

    func testSettingsThatBlockAreKilledAfterTheTimeoutWithOneLine() throws {
        let python = try djangoPython()
        let result = try hush(
            ["collect", "--django", "--settings", "site_config.settings_hang"],
            python: python,
            staticRoot: path("static"),
            extra: ["HUSH_DJANGO_TIMEOUT": "2"]
        )
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(
            result.stderr,
            "hush: django: \(python) gave no answer within 2 s asking settings site_config.settings_hang (does importing them block? HUSH_DJANGO_TIMEOUT sets the limit)\n"
        )
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("static")), "a refused run wrote STATIC_ROOT")
    }

    func testAPythonWithoutDjangoAndAMissingManagePyAreOneLine() throws {
        try root.write("empty/.keep", "")
        try assertRefused(
            settings: "",
            in: path("empty"),
            message: "no manage.py in \(clean(path("empty"))): run where manage.py is, or pass --settings MODULE"
        )
        try assertRefused(
            settings: "",
            python: path("no/python"),
            message:
                "cannot run \(path("no/python")): no such executable (pass --python PATH, the project's interpreter)"
        )
        let system = "/usr/bin/python3"
        if FileManager.default.isExecutableFile(atPath: system),
            (try? runProcess(system, ["-c", "import django"]))?.status != 0
        {
            try assertRefused(
                settings: "",
                python: system,
                message:
                    "django: cannot import Django with \(system) (No module named 'django'): pass --python or activate the project's virtualenv"
            )
        }
    }
}

/// A Python with Django 5.2 LTS: `HUSH_DJANGO52_PYTHON`, or the venv `make test` creates.
func django52Python() throws -> String {
    if let path = ProcessInfo.processInfo.environment["HUSH_DJANGO52_PYTHON"], !path.isEmpty { return path }
    let venv = repositoryRoot + "/.venv-django52/bin/python"
    guard FileManager.default.isExecutableFile(atPath: venv) else {
        throw TestSupportError(
            "Django 5.2 is needed for this comparison: run `make test` (it creates .venv-django52) or set HUSH_DJANGO52_PYTHON"
        )
    }
    return venv
}
