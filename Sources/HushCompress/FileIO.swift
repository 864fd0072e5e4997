import Glibc
import HushSystem

/// A source file opened for sequential reading, remembering its size and modification time so
/// that a change during the read is reported instead of publishing a sibling of mixed content.
struct InputFile {
    let path: String
    private let descriptor: Int32
    private let before: FileIdentity

    init(path: String) throws(CompressError) {
        self.path = path
        let fd: Int32
        do { fd = try Syscall.open(path, O_RDONLY) } catch { throw .cannotOpen(path: path, errno: error.errno) }
        do {
            before = FileIdentity(try Syscall.fstat(fd, path: path))
        } catch {
            try? Syscall.close(fd)
            throw .cannotRead(path: path, errno: error.errno)
        }
        descriptor = fd
    }

    /// The file's size when it was opened.
    var size: Int64 { before.size }

    /// Fills `buffer` from the start as far as the file allows; 0 means end of file.
    func read(into buffer: inout [UInt8]) throws(CompressError) -> Int {
        let fd = descriptor
        let result = buffer.withUnsafeMutableBytes { raw in
            Result { () throws(SystemError) in try Syscall.readFully(fd, into: raw, path: path) }
        }
        do { return try result.get() } catch { throw .cannotRead(path: path, errno: error.errno) }
    }

    /// Fails if the file's size or modification time changed since it was opened.
    func checkUnchanged() throws(CompressError) {
        let now: FileIdentity
        do { now = FileIdentity(try Syscall.fstat(descriptor, path: path)) } catch {
            throw .cannotRead(path: path, errno: error.errno)
        }
        if !now.sameContentStamp(before) { throw .changedWhileReading(path: path) }
    }

    /// `error`, or ``CompressError/changedWhileReading(path:)`` when the encoder failed because
    /// the file changed under it: a zstd stream whose pledged size no longer matches the bytes
    /// read fails before ``checkUnchanged()`` would have said why.
    func explain(_ failure: CompressError) -> CompressError {
        guard case .encoderFailed = failure else { return failure }
        do { try checkUnchanged() } catch { return error }
        return failure
    }

    func close() { try? Syscall.close(descriptor) }
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
        do { descriptor = try Syscall.open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL) } catch {
            throw .cannotWrite(path: finalPath, errno: error.errno)
        }
    }

    deinit {
        if descriptor >= 0 {
            try? Syscall.close(descriptor)
            try? Syscall.unlink(temporaryPath)
        }
    }

    /// Writes all of `bytes` and empties it (keeping its capacity for the next chunk).
    mutating func write(_ bytes: inout [UInt8]) throws(CompressError) {
        guard !bytes.isEmpty else { return }
        do { try Syscall.writeFully(descriptor, bytes, path: finalPath) } catch {
            throw .cannotWrite(path: finalPath, errno: error.errno)
        }
        written += Int64(bytes.count)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Closes the file and renames it onto its final name; returns its size.
    mutating func commit() throws(CompressError) -> Int64 {
        let fd = descriptor
        descriptor = -1
        // close() reports delayed write errors (NFS, quotas): a failure here means a bad file.
        do { try Syscall.close(fd, path: finalPath) } catch {
            try? Syscall.unlink(temporaryPath)
            throw .cannotWrite(path: finalPath, errno: error.errno)
        }
        do { try Syscall.rename(temporaryPath, to: finalPath) } catch {
            try? Syscall.unlink(temporaryPath)
            throw .cannotRename(from: temporaryPath, to: finalPath, errno: error.errno)
        }
        return written
    }

    /// Closes and removes the temporary file.
    mutating func discard() {
        guard descriptor >= 0 else { return }
        try? Syscall.close(descriptor)
        descriptor = -1
        try? Syscall.unlink(temporaryPath)
    }
}
