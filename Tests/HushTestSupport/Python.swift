import Foundation

/// A Python ≥ 3.12 with Django 6.1: `HUSH_DJANGO_PYTHON`, or the venv `make test` creates.
public func djangoPython() throws -> String {
    if let path = ProcessInfo.processInfo.environment["HUSH_DJANGO_PYTHON"], !path.isEmpty { return path }
    let venv = repositoryRoot + "/.venv-django/bin/python"
    guard FileManager.default.isExecutableFile(atPath: venv) else {
        throw TestSupportError(
            "Django 6.1 is needed as the reference: run `make test` (it creates .venv-django) or set HUSH_DJANGO_PYTHON"
        )
    }
    return venv
}

/// Runs a Python script (given as source) with the Django venv's interpreter; stdin → stdout.
public func runPython(_ script: String, input: String) throws -> String {
    String(decoding: try runPythonBytes(script, input: Array(input.utf8), python: try djangoPython()), as: UTF8.self)
}

/// The reference Python for plain-Python contracts (json.dumps bytes, os.path.splitext):
/// `HUSH_DJANGO_PYTHON` when set, else `python3` on PATH.
public func referencePython() -> (executable: String, arguments: [String]) {
    if let path = ProcessInfo.processInfo.environment["HUSH_DJANGO_PYTHON"], !path.isEmpty { return (path, []) }
    return ("/usr/bin/env", ["python3"])
}

/// Runs `script` with `python` (default: ``referencePython()``), `input` on stdin; stdout's bytes.
public func runPythonBytes(_ script: String, input: [UInt8], python: String? = nil) throws -> [UInt8] {
    let (executable, prefix) = python.map { ($0, [String]()) } ?? referencePython()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = prefix + ["-c", script]
    let result = try collectOutput(of: process, input: input)
    guard result.status == 0 else { throw TestSupportError("python failed: \(result.stderr)") }
    return Array(result.stdoutData)
}

/// Hex of a string's UTF-8 bytes: an exact, ASCII-only way to hand strings to Python and back
/// (NFC and NFD spellings stay distinct, unlike Swift `String` equality).
public func hexUTF8(_ s: String) -> String {
    s.utf8.map { String(format: "%02x", $0) }.joined()
}

public func fromHexUTF8(_ hex: Substring) -> String {
    var bytes: [UInt8] = []
    var i = hex.startIndex
    while i < hex.endIndex, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex) {
        bytes.append(UInt8(hex[i..<j], radix: 16) ?? 0)
        i = j
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Code-point equality (Swift's `==` on strings is canonical equivalence).
public func sameScalars(_ a: String, _ b: String) -> Bool {
    Array(a.unicodeScalars) == Array(b.unicodeScalars)
}
