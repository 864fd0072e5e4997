import Foundation
import XCTest

/// `hush --version`: the release, the commit the binary was built from and the compression
/// libraries it runs with.
final class VersionCLITests: CLITestCase {
    func testVersionNamesReleaseCommitAndLibraries() throws {
        let result = try runHush(["--version"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, result.stdout)
        let first = try XCTUnwrap(lines.first)
        XCTAssertNotNil(
            first.range(
                of: #"^hush [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{12}(-modified)?\)$"#,
                options: .regularExpression
            ),
            first
        )

        // The commit is the checkout's HEAD (the tests always run from a git checkout).
        let head = try runShell("git -C '\(repositoryRoot)' rev-parse --short=12 HEAD")
        let commit = String(decoding: head, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(first.contains("(commit \(commit)"), "\(first) does not name HEAD \(commit)")

        // The libraries are the ones installed for the build (pkg-config reports the same versions).
        let zlib = try runShell("pkg-config --modversion zlib")
        let brotli = try runShell("pkg-config --modversion libbrotlienc")
        let zstd = try runShell("pkg-config --modversion libzstd")
        let expected = "zlib \(text(zlib)), brotli \(text(brotli)), zstd \(text(zstd))"
        XCTAssertEqual(lines.last, expected)
    }

    private func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
