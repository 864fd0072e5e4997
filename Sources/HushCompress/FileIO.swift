#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
private let systemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
private let systemWrite = Darwin.write
private let systemClose = Darwin.close
#endif

/// A source file opened for sequential reading, remembering its size and modification time so
/// that a change during the read is reported instead of publishing a sibling of mixed content.
struct InputFile {
    let path: String
    private let descriptor: Int32
    private let before: stat

    init(path: String) throws(CompressError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            _ = systemClose(fd)
            throw .cannotRead(path: path, errno: code)
        }
        descriptor = fd
        before = info
    }

    /// Fills `buffer` from the start as far as the file allows; 0 means end of file.
    /// The file's size when it was opened.
    var size: Int64 { Int64(before.st_size) }

    func read(into buffer: inout [UInt8]) throws(CompressError) -> Int {
        let capacity = buffer.count
        let fd = descriptor
        let result: Result<Int, CompressError> = buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return .success(0) }
            var filled = 0
            while filled < capacity {
                let got = systemRead(fd, base + filled, capacity - filled)
                if got < 0 {
                    if errno == EINTR { continue }
                    return .failure(.cannotRead(path: path, errno: errno))
                }
                if got == 0 { break }
                filled += got
            }
            return .success(filled)
        }
        return try result.get()
    }

    /// Fails if the file's size or modification time changed since it was opened.
    func checkUnchanged() throws(CompressError) {
        var now = stat()
        guard fstat(descriptor, &now) == 0 else { throw .cannotRead(path: path, errno: errno) }
        if now.st_size != before.st_size || Self.modified(now) != Self.modified(before) {
            throw .changedWhileReading(path: path)
        }
    }

    func close() { _ = systemClose(descriptor) }

    private static func modified(_ info: stat) -> (Int, Int) {
        #if canImport(Darwin)
        return (info.st_mtimespec.tv_sec, info.st_mtimespec.tv_nsec)
        #else
        return (info.st_mtim.tv_sec, info.st_mtim.tv_nsec)
        #endif
    }
}

/// A file written under a temporary name next to its final one and renamed into place by
/// ``commit()``; ``discard()`` (or a failure) removes it.
struct OutputFile: ~Copyable {
    let finalPath: String
    let temporaryPath: String
    private var descriptor: Int32
    private(set) var written: Int64 = 0

    init(finalPath: String) throws(CompressError) {
        self.finalPath = finalPath
        // A random suffix: parallel workers never collide, and no shared counter is needed.
        temporaryPath = finalPath + ".hush-tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotWrite(path: finalPath, errno: errno) }
        descriptor = fd
    }

    deinit {
        if descriptor >= 0 {
            _ = systemClose(descriptor)
            _ = unlink(temporaryPath)
        }
    }

    /// Writes all of `bytes` and empties it (keeping its capacity for the next chunk).
    mutating func write(_ bytes: inout [UInt8]) throws(CompressError) {
        guard !bytes.isEmpty else { return }
        let fd = descriptor
        let path = finalPath
        let result: Result<Void, CompressError> = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return .success(()) }
            var offset = 0
            while offset < raw.count {
                let done = systemWrite(fd, base + offset, raw.count - offset)
                if done < 0 {
                    if errno == EINTR { continue }
                    return .failure(.cannotWrite(path: path, errno: errno))
                }
                offset += done
            }
            return .success(())
        }
        try result.get()
        written += Int64(bytes.count)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Closes the file and renames it onto its final name; returns its size.
    mutating func commit() throws(CompressError) -> Int64 {
        let fd = descriptor
        descriptor = -1
        // close() reports delayed write errors (NFS, quotas): a failure here means a bad file.
        if systemClose(fd) != 0 {
            let code = errno
            _ = unlink(temporaryPath)
            throw .cannotWrite(path: finalPath, errno: code)
        }
        if rename(temporaryPath, finalPath) != 0 {
            let code = errno
            _ = unlink(temporaryPath)
            throw .cannotRename(from: temporaryPath, to: finalPath, errno: code)
        }
        return written
    }

    /// Closes and removes the temporary file.
    mutating func discard() {
        guard descriptor >= 0 else { return }
        _ = systemClose(descriptor)
        descriptor = -1
        _ = unlink(temporaryPath)
    }
}
