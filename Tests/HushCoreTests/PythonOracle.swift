import Foundation
import XCTest

/// The reference Python: `HUSH_DJANGO_PYTHON` (Python 3.13 with Django), else `python3` on PATH.
/// HushCore's contracts (json.dumps bytes, os.path.splitext) are plain Python, so any 3.x will do.
func referencePython() -> (executable: String, arguments: [String]) {
    if let path = ProcessInfo.processInfo.environment["HUSH_DJANGO_PYTHON"], !path.isEmpty { return (path, []) }
    return ("/usr/bin/env", ["python3"])
}

/// Runs `script` with the reference Python, `input` on stdin; returns stdout's bytes.
func runPythonBytes(_ script: String, input: [UInt8]) throws -> [UInt8] {
    let (executable, prefix) = referencePython()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = prefix + ["-c", script]
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let writer = Thread {
        stdin.fileHandleForWriting.write(Data(input))
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let box = ErrorBox()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { box.data = stderr.fileHandleForReading.readDataToEndOfFile() }
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        XCTFail("python failed: \(String(decoding: box.data ?? Data(), as: UTF8.self))")
        throw CocoaError(.executableLoad)
    }
    return Array(out)
}

private final class ErrorBox: @unchecked Sendable { var data: Data? }

/// Hex of a string's UTF-8 bytes: an exact, ASCII-only way to hand strings to Python and back
/// (NFC and NFD spellings stay distinct, unlike Swift `String` equality).
func hexUTF8(_ s: String) -> String {
    s.utf8.map { String(format: "%02x", $0) }.joined()
}

func fromHexUTF8(_ hex: Substring) -> String {
    var bytes: [UInt8] = []
    var i = hex.startIndex
    while i < hex.endIndex {
        let j = hex.index(i, offsetBy: 2)
        bytes.append(UInt8(hex[i..<j], radix: 16)!)
        i = j
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Code-point equality (Swift's `==` on strings is canonical equivalence).
func sameScalars(_ a: String, _ b: String) -> Bool {
    Array(a.unicodeScalars) == Array(b.unicodeScalars)
}
