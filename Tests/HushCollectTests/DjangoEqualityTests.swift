import Foundation
import HushCore
import XCTest

/// `hush collect` against Django 6.1's `collectstatic` itself, on every fixture case and on
/// sample-static/: the same verdict, and on success the same files with the same bytes
/// (hashed names, rewritten CSS/JS, `staticfiles.json`).
final class DjangoEqualityTests: XCTestCase {
    static let fixtures = repositoryRoot + "/Tests/HushCollectTests/Fixtures"

    struct Outcome {
        var status: Int32
        var stderr: String
        var tree: [String: Data]
    }

    /// Runs a collector (`command` + arguments + `--output`) from `directory` into a fresh dir.
    func collect(_ command: [String], _ arguments: [String], in directory: String) throws -> Outcome {
        let output = try TemporaryDirectory("hush-out")
        let root = output.path + "/static"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst()) + arguments + ["--output", root]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let tree =
            FileManager.default.fileExists(atPath: root)
            ? try snapshot(root, skipping: [".hush", "hush-manifest.json"]) : [:]
        return Outcome(status: process.terminationStatus, stderr: String(decoding: errors, as: UTF8.self), tree: tree)
    }

    func compare(
        case name: String,
        arguments: [String],
        in directory: String,
        expectError: Bool,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let django = try collect(
            [try djangoPython(), repositoryRoot + "/Tests/Support/django_collect.py"],
            arguments,
            in: directory
        )
        let hush = try collect([hushBinary, "collect", "--quiet"], arguments, in: directory)
        XCTAssertEqual(
            django.status != 0,
            expectError,
            "\(name): Django's verdict changed: \(django.stderr)",
            file: file,
            line: line
        )
        if django.status != 0 {
            XCTAssertNotEqual(
                hush.status,
                0,
                "\(name): Django failed (\(django.stderr)) but hush succeeded",
                file: file,
                line: line
            )
            let lines = hush.stderr.split(separator: "\n")
            XCTAssertEqual(
                lines.count,
                1,
                "\(name): hush's error is not one line: \(hush.stderr)",
                file: file,
                line: line
            )
            XCTAssertTrue(hush.stderr.hasPrefix("hush: "), "\(name): \(hush.stderr)", file: file, line: line)
            XCTAssertTrue(hush.tree.isEmpty, "\(name): a failed run left files behind", file: file, line: line)
            return
        }
        XCTAssertEqual(
            hush.status,
            0,
            "\(name): hush failed where Django succeeded: \(hush.stderr)",
            file: file,
            line: line
        )
        // Hush also writes pre-compressed siblings; everything else must be identical.
        let hushFiles = hush.tree.filter { path, _ in
            guard django.tree[path] == nil, let (primary, _, foreign) = ContentCoding.sibling(path), !foreign else {
                return true
            }
            return hush.tree[primary] == nil
        }
        XCTAssertEqual(
            Set(hushFiles.keys),
            Set(django.tree.keys),
            "\(name): different file sets",
            file: file,
            line: line
        )
        for (path, bytes) in django.tree where hushFiles[path] != bytes {
            XCTFail(
                "\(name): \(path) differs:\n--- django\n\(String(decoding: bytes, as: UTF8.self))\n--- hush\n\(String(decoding: hushFiles[path] ?? Data(), as: UTF8.self))",
                file: file,
                line: line
            )
        }
    }

    func testEveryFixtureCollectsExactlyAsDjango() throws {
        let expectedErrors = try String(contentsOfFile: Self.fixtures + "/expected-errors.txt", encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
                $0.split(separator: ":").first.map(String.init)
            }
        let cases = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: Self.fixtures + "/" + $0, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
        XCTAssertGreaterThan(cases.count, 40)
        for name in cases {
            let directory = Self.fixtures + "/" + name
            let argumentsFile = directory + "/args.txt"
            let arguments =
                FileManager.default.fileExists(atPath: argumentsFile)
                ? try String(contentsOfFile: argumentsFile, encoding: .utf8).split(separator: "\n").map(String.init)
                    .filter { !$0.isEmpty }
                : ["."]
            try compare(case: name, arguments: arguments, in: directory, expectError: expectedErrors.contains(name))
        }
    }

    func testSampleStaticCollectsExactlyAsDjango() throws {
        try compare(
            case: "sample-static",
            arguments: ["sample-static/site", "sample-static/theme", "vendor=sample-static/vendor"],
            in: repositoryRoot,
            expectError: false
        )
    }
}
