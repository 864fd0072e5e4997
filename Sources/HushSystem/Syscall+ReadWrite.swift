import Glibc

/// The shape of `read(2)` / `write(2)`, so tests can stand in for the kernel (a read cut short,
/// a write that takes two bytes at a time, an `EINTR`).
typealias ReadCall = (Int32, UnsafeMutableRawPointer, Int) -> Int
typealias WriteCall = (Int32, UnsafeRawPointer, Int) -> Int

extension Syscall {
    /// One `read(2)` into `buffer`, retried on `EINTR`: the byte count, 0 at end of file.
    public static func read(
        _ fd: Int32,
        into buffer: UnsafeMutableRawBufferPointer,
        path: String? = nil
    ) throws(SystemError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try retrying("read", path: path) { Glibc.read(fd, base, buffer.count) }
    }

    /// Fills `buffer` from `fd` as far as the file allows, whatever counts single reads return:
    /// the byte count, less than `buffer.count` only at end of file.
    public static func readFully(
        _ fd: Int32,
        into buffer: UnsafeMutableRawBufferPointer,
        path: String? = nil
    ) throws(SystemError) -> Int {
        try readFully(fd, into: buffer, path: path, using: { Glibc.read($0, $1, $2) })
    }

    static func readFully(
        _ fd: Int32,
        into buffer: UnsafeMutableRawBufferPointer,
        path: String?,
        using read: ReadCall
    ) throws(SystemError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var filled = 0
        while filled < buffer.count {
            let got = try retrying("read", path: path) { read(fd, base + filled, buffer.count - filled) }
            if got == 0 { break }
            filled += got
        }
        return filled
    }

    /// `pread(2)` at `offset` until `buffer` is full or the file ends: the byte count.
    public static func preadFully(
        _ fd: Int32,
        into buffer: UnsafeMutableRawBufferPointer,
        at offset: Int64,
        path: String? = nil
    ) throws(SystemError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var filled = 0
        while filled < buffer.count {
            let got = try retrying("pread", path: path) {
                Glibc.pread(fd, base + filled, buffer.count - filled, off_t(offset) + off_t(filled))
            }
            if got == 0 { break }
            filled += got
        }
        return filled
    }

    /// Everything from the current offset to end of file. `sizeHint` (from `fstat`) sizes the
    /// first allocation; a file that grew meanwhile is still read whole.
    public static func readToEnd(_ fd: Int32, sizeHint: Int = 0, path: String? = nil) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(sizeHint, 0) + 1)
        var filled = 0
        while true {
            if filled == bytes.count { bytes += [UInt8](repeating: 0, count: max(bytes.count, 64 << 10)) }
            let got = try bytes.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) in
                    try read(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]), path: path)
                }
            }.get()
            if got == 0 { break }
            filled += got
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// Writes all of `bytes`, retrying short writes and `EINTR`. A write that returns 0 (which
    /// regular files do not) is reported as `ENOSPC` rather than retried forever.
    public static func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String? = nil) throws(SystemError)
    {
        try writeFully(fd, bytes, path: path, using: { Glibc.write($0, $1, $2) })
    }

    /// ``writeFully(_:_:path:)`` for an array.
    public static func writeFully(_ fd: Int32, _ bytes: [UInt8], path: String? = nil) throws(SystemError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(SystemError) in try writeFully(fd, raw, path: path) } }
            .get()
    }

    static func writeFully(
        _ fd: Int32,
        _ bytes: UnsafeRawBufferPointer,
        path: String?,
        using write: WriteCall
    ) throws(SystemError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let done = try retrying("write", path: path) { write(fd, base + offset, bytes.count - offset) }
            guard done > 0 else { throw SystemError(errno: ENOSPC, call: "write", path: path) }
            offset += done
        }
    }
}
