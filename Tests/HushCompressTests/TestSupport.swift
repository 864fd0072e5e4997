import Foundation
import XCTest

/// A fresh directory under the system temp dir, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "hush-compress-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Deterministic pseudo-random bytes (xorshift64*), incompressible by gzip and Brotli.
func randomBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    var out = [UInt8]()
    out.reserveCapacity(count)
    while out.count < count {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        let word = state &* 0x2545_F491_4F6C_DD1D
        for shift in stride(from: 0, to: 64, by: 8) where out.count < count {
            out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
        }
    }
    return out
}

/// JavaScript-like text: repetitive identifiers and punctuation with some variety, compressing
/// roughly as real bundles do.
func javaScriptLikeText(_ count: Int) -> [UInt8] {
    let words = ["function", "return", "const", "let", "this", "props", "state", "render", "value", "index",
                 "length", "document", "window", "addEventListener", "undefined", "null", "true", "false",
                 "Object", "Array", "prototype", "call", "apply", "module", "exports", "require"]
    var out = [UInt8]()
    out.reserveCapacity(count + 64)
    var state: UInt64 = 42
    var line = 0
    while out.count < count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let a = words[Int((state >> 33) % UInt64(words.count))]
        let b = words[Int((state >> 17) % UInt64(words.count))]
        let n = Int((state >> 40) % 1000)
        line += 1
        let text = "  \(a) _\(b)\(n) = (\(b), i\(line % 97)) => { \(a)(\(b).\(a) + \(n)); };\n"
        out.append(contentsOf: Array(text.utf8))
    }
    return Array(out.prefix(count))
}

/// Runs `/bin/sh -c command` with `input` on stdin and returns stdout.
func runShell(_ command: String, input: [UInt8] = []) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    let writer = Thread {
        stdin.fileHandleForWriting.write(Data(input))
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "`\(command)` failed")
    return Array(output)
}
