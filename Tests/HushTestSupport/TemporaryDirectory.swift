import Foundation

/// A temporary directory, removed when the value goes away.
public final class TemporaryDirectory {
    public let path: String

    public init(_ label: String = "hush-test") throws {
        let template = NSTemporaryDirectory() + "/\(label).XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw CocoaError(.fileWriteUnknown) }
        // mkdtemp fills in the X's in place; the array still ends with the NUL terminator.
        path = String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `content` at `relative`, creating parent directories.
    public func write(_ relative: String, _ content: String) throws {
        try write(relative, Array(content.utf8))
    }

    public func write(_ relative: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    public func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path + "/" + relative, encoding: .utf8)
    }
}

/// Every regular file below `root` (relative path → bytes), skipping the given top-level names.
public func snapshot(_ root: String, skipping: Set<String> = []) throws -> [String: Data] {
    var files: [String: Data] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return files }
    while let relative = enumerator.nextObject() as? String {
        let top = String(relative.split(separator: "/").first ?? "")
        if skipping.contains(top) {
            enumerator.skipDescendants()
            continue
        }
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory)
        if !isDirectory.boolValue {
            files[relative] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + relative))
        }
    }
    return files
}

/// The repository root, found from this file's path.
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The `hush` binary built beside the test bundle (or in `.build/debug`). On Linux the test bundle
/// is the running executable, so its directory comes first: a sanitizer build
/// (`--scratch-path .build-asan`) then runs its own instrumented `hush`, not the plain one.
public let hushBinary: String = {
    let executableDirectory = Bundle.main.executableURL?.deletingLastPathComponent().path
    let bundleDirectory = Bundle(for: TemporaryDirectory.self).bundleURL.deletingLastPathComponent().path
    for candidate in [
        executableDirectory.map { $0 + "/hush" }, bundleDirectory + "/hush", repositoryRoot + "/.build/debug/hush",
    ]
    .compactMap({ $0 }) where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    return repositoryRoot + "/.build/debug/hush"
}()
