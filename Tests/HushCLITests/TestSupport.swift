import Foundation
import XCTest

/// A temporary directory removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "hush-cli-test") throws {
        let template = NSTemporaryDirectory() + "/\(label).XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: bytes)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `content` at `relative`, creating parent directories.
    func write(_ relative: String, _ content: String) throws {
        try write(relative, Array(content.utf8))
    }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
}

/// Every regular file below `root` (relative path → bytes).
func snapshot(_ root: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return files }
    while let relative = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory)
        if !isDirectory.boolValue { files[relative] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + relative)) }
    }
    return files
}

/// The repository root, found from this file's path.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The `hush` binary built beside this test bundle (as DjangoEqualityTests finds it).
let hushBinary: String = {
    let bundleDirectory = Bundle(for: TemporaryDirectory.self).bundleURL.deletingLastPathComponent().path
    for candidate in [bundleDirectory + "/hush", repositoryRoot + "/.build/debug/hush"]
    where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    return repositoryRoot + "/.build/debug/hush"
}()

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `hush` with `arguments` to completion from `directory`.
func runHush(_ arguments: [String], in directory: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: hushBinary)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    return try collectOutput(of: process)
}

/// Starts `process` with piped stdout/stderr, reads both to the end and waits for it.
func collectOutput(of process: Process, afterStart: (() throws -> Void)? = nil) throws -> ProcessResult {
    let stdout = Pipe(), stderr = Pipe()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let box = ReadBox()
    let readers = DispatchGroup()
    DispatchQueue.global().async(group: readers) { box.stderr = stderr.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: readers) { box.stdout = stdout.fileHandleForReading.readDataToEndOfFile() }
    try afterStart?()
    readers.wait()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: box.stdout ?? Data(), as: UTF8.self),
        stderr: String(decoding: box.stderr ?? Data(), as: UTF8.self)
    )
}

private final class ReadBox: @unchecked Sendable {
    var stdout: Data?
    var stderr: Data?
}
