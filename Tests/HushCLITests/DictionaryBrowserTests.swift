import Foundation
import XCTest

/// RFC 9842 in headless Chromium (Tests/Support/browser_dcz.py): release 1 served, page v1 loaded,
/// release 2 collected with `--keep-versions` and reloaded, page v2 loaded in the same profile —
/// its bundle arrives `Content-Encoding: dcz` and runs; a fresh context gets br.
///
/// A root test case only for `HUSH_CACHE_DIR`: the `hush` it runs keeps its cache beside a
/// temporary root, removed after the test, never in the user's cache directory.
final class DictionaryBrowserTests: TemporaryRootTestCase {
    override class var rootLabel: String { "hush-browser-dcz" }

    func testSecondReleasesBundleArrivesAsADeltaAgainstTheFirstAndRuns() throws {
        let (python, prefix) = referencePython()
        let result = try runProcess(
            python,
            prefix + [repositoryRoot + "/Tests/Support/browser_dcz.py", "--hush", hushBinary, "--timeout", "120"]
        )
        XCTAssertEqual(result.status, 0, "\n" + result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("browser dcz: v2 bundle "), result.stdout + result.stderr)
        print(result.stdout, terminator: "")
    }
}
