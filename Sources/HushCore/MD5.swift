import CCrypto

/// A streaming MD5 digest (RFC 1321).
///
/// Django names hashed files after the first 12 hex digits of the MD5 of their content, so Hush
/// needs MD5 for compatibility, not for security. The collector digests every byte it copies, so
/// the work is done by OpenSSL's libcrypto (as ``SHA384``), whose assembly outruns the portable
/// Swift version it replaced. Feed bytes in any chunking with ``update(_:)``; memory stays
/// constant whatever the input size.
public struct MD5: @unchecked Sendable {
    // A plain C struct with no pointers: copying it copies the digest state. @unchecked because
    // the importer does not infer Sendable for C structs; nothing in it refers to shared memory.
    private var context = MD5_CTX()

    public init() {
        MD5_Init(&context)
    }

    /// Adds `bytes` to the message being digested.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if handled == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { update($0) }
        }
    }

    /// Adds the bytes in `raw` to the message being digested.
    public mutating func update(_ raw: UnsafeRawBufferPointer) {
        guard raw.count > 0, let base = raw.baseAddress else { return }
        MD5_Update(&context, base, raw.count)
    }

    /// Returns the 16-byte digest of everything added so far. The value itself is left unchanged.
    public func finalize() -> [UInt8] {
        var copy = context
        return [UInt8](unsafeUninitializedCapacity: 16) { buffer, count in
            // MD5_Final writes exactly MD5_DIGEST_LENGTH (16) bytes and cannot fail.
            guard let base = buffer.baseAddress else { return }
            MD5_Final(base, &copy)
            count = 16
        }
    }

    /// The digest as 32 lowercase hex digits.
    public func hexDigest() -> String { Hex.encode(finalize()) }

    /// The MD5 hex digest of `bytes` in one call.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var md5 = MD5()
        md5.update(bytes)
        return md5.hexDigest()
    }
}
