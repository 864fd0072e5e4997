import Foundation

/// What a finished process printed and returned.
public struct ProcessResult {
    public var status: Int32
    public var stdoutData: Data
    public var stderr: String
    public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
}

/// Why a helper process could not be used.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Starts `process` with `input` on stdin and piped stdout/stderr, reads both to the end (on
/// their own threads, so neither pipe can fill up) and waits for it. `afterStart` runs once the
/// process is running (to signal it, for example).
public func collectOutput(
    of process: Process,
    input: [UInt8]? = nil,
    afterStart: (() throws -> Void)? = nil
) throws -> ProcessResult {
    let stdout = Pipe()
    let stderr = Pipe()
    let stdin = input.map { _ in Pipe() }
    process.standardInput = stdin ?? FileHandle.nullDevice
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let box = ReadBox()
    let readers = DispatchGroup()
    if let stdin, let input {
        DispatchQueue.global().async(group: readers) {
            stdin.fileHandleForWriting.write(Data(input))
            try? stdin.fileHandleForWriting.close()
        }
    }
    DispatchQueue.global().async(group: readers) { box.stderr = stderr.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: readers) { box.stdout = stdout.fileHandleForReading.readDataToEndOfFile() }
    try afterStart?()
    readers.wait()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdoutData: box.stdout ?? Data(),
        stderr: String(decoding: box.stderr ?? Data(), as: UTF8.self)
    )
}

/// Runs a program to completion, feeding `input` on stdin.
public func runProcess(
    _ executable: String,
    _ arguments: [String],
    input: String = "",
    environment: [String: String]? = nil,
    in directory: String? = nil
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    return try collectOutput(of: process, input: Array(input.utf8))
}

/// Runs `hush` with `arguments` to completion from `directory`.
public func runHush(_ arguments: [String], in directory: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: hushBinary)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    return try collectOutput(of: process)
}

/// Runs `/bin/sh -c command` with `input` on stdin and returns stdout; a non-zero exit throws.
public func runShell(_ command: String, input: [UInt8] = []) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let result = try collectOutput(of: process, input: input)
    guard result.status == 0 else { throw TestSupportError("`\(command)` failed (\(result.status)): \(result.stderr)") }
    return Array(result.stdoutData)
}

private final class ReadBox: @unchecked Sendable {
    var stdout: Data?
    var stderr: Data?
}
