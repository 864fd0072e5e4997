import CCrypto

/// A streaming SHA-256 digest (FIPS 180-4 §6.2), by OpenSSL's libcrypto like ``SHA384``.
///
/// Hush needs it for one thing: RFC 9842 names a compression dictionary by the SHA-256 of its
/// bytes, in the `dcz` header the collector writes and in the `Available-Dictionary` request
/// field the server matches.
public struct SHA256: @unchecked Sendable {
    // A plain C struct with no pointers: copying it copies the digest state (see SHA384).
    private var context = SHA256_CTX()

    public init() {
        SHA256_Init(&context)
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
        SHA256_Update(&context, base, raw.count)
    }

    /// Returns the 32-byte digest of everything added so far. The value itself is left unchanged.
    public func finalize() -> [UInt8] {
        var copy = context
        return [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
            // SHA256_Final writes exactly SHA256_DIGEST_LENGTH (32) bytes and cannot fail.
            guard let base = buffer.baseAddress else { return }
            SHA256_Final(base, &copy)
            count = 32
        }
    }

    /// The digest as 64 lowercase hex digits.
    public func hexDigest() -> String { Hex.encode(finalize()) }

    /// The SHA-256 digest of `bytes` in one call.
    public static func digest<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var sha = SHA256()
        sha.update(bytes)
        return sha.finalize()
    }
}
