import Foundation
import XCTest

/// The README's Django deploy in headless Chromium: `hush collect --django`, gunicorn,
/// `hush serve`, nginx configured with the README's block (Tests/Support/browser_deploy.py).
final class BrowserDeployTests: XCTestCase {
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
