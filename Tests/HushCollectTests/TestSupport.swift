import Foundation
import XCTest

/// A temporary directory removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "hush-test") throws {
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

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path + "/" + relative, encoding: .utf8)
    }
}

/// Every regular file below `root` (relative path → bytes), skipping the given top-level names.
func snapshot(_ root: String, skipping: Set<String> = []) throws -> [String: Data] {
    var files: [String: Data] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return files }
    while let relative = enumerator.nextObject() as? String {
        let top = String(relative.split(separator: "/").first ?? "")
        if skipping.contains(top) { enumerator.skipDescendants(); continue }
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

/// A Python ≥ 3.12 with Django 6.1: `HUSH_DJANGO_PYTHON`, or the venv `make test` creates.
func djangoPython() throws -> String {
    if let path = ProcessInfo.processInfo.environment["HUSH_DJANGO_PYTHON"], !path.isEmpty { return path }
    let venv = repositoryRoot + "/.venv-django/bin/python"
    guard FileManager.default.isExecutableFile(atPath: venv) else {
        XCTFail("Django 6.1 is needed as the reference: run `make test` (it creates .venv-django) or set HUSH_DJANGO_PYTHON")
        throw CocoaError(.fileNoSuchFile)
    }
    return venv
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion, feeding `input` on stdin.
func runProcess(_ executable: String, _ arguments: [String], input: String = "", environment: [String: String]? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let writer = Thread {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let errData = ReadBox()
    let readers = DispatchGroup()
    DispatchQueue.global().async(group: readers) { errData.data = stderr.fileHandleForReading.readDataToEndOfFile() }
    let outData = stdout.fileHandleForReading.readDataToEndOfFile()
    readers.wait()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData.data ?? Data(), as: UTF8.self)
    )
}

private final class ReadBox: @unchecked Sendable {
    var data: Data?
}

/// Runs a Python script (given as source) with the Django venv's interpreter; stdin → stdout.
func runPython(_ script: String, input: String) throws -> String {
    let result = try runProcess(try djangoPython(), ["-c", script], input: input)
    guard result.status == 0 else {
        XCTFail("python failed: \(result.stderr)")
        return ""
    }
    return result.stdout
}
