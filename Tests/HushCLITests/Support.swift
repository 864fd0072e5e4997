import Foundation
// Shared test helpers (temporary trees, processes, the reference Python) for every file here.
@_exported import HushTestSupport
import XCTest

/// The end-to-end CLI tests: a temporary root, the output under it, and the built binary.
class CLITestCase: TemporaryRootTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        XCTAssertTrue(
            FileManager.default.isExecutableFile(atPath: hushBinary),
            "build the hush product first: \(hushBinary)"
        )
    }

    var output: String { path("out/static") }
}
