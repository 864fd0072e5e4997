import Foundation
import XCTest

/// The README's Django deploy in headless Chromium: `hush collect --django`, gunicorn,
/// `hush serve`, nginx configured with the README's block (Tests/Support/browser_deploy.py).
///
/// A root test case only for `HUSH_CACHE_DIR`: the `hush` it runs keeps its cache beside a
/// temporary root, removed after the test, never in the user's cache directory.
final class BrowserDeployTests: TemporaryRootTestCase {
    override class var rootLabel: String { "hush-browser-deploy" }

    func testAdminLoginThroughNginxIsStyledWithEveryAssetBrotliAndImmutable() throws {
        let python = try djangoPython()
        let result = try runProcess(
            python,
            [
                repositoryRoot + "/Tests/Support/browser_deploy.py",
                "--hush", hushBinary, "--python", python, "--timeout", "120",
            ]
        )
        XCTAssertEqual(result.status, 0, "\n" + result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("browser: /admin/login/ through nginx: "), result.stdout + result.stderr)
        print(result.stdout, terminator: "")
    }
}
