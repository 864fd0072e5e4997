import CCrypto

/// A streaming SHA-384 digest (FIPS 180-4 §6.5: SHA-512's compression with its own initial value,
/// truncated to 384 bits).
///
/// Hush uses it for Subresource Integrity values (W3C SRI §3.1: `sha384-` + base64 of the digest),
/// the algorithm browsers and bundlers default to, and to name compression-cache entries. The
/// collector digests every byte it publishes, so the work is done by OpenSSL's libcrypto, whose
/// assembly runs about twice as fast here as the portable Swift version it replaced (measured on
/// the benchmark corpus: 24 % of a warm-cache collect went to SHA-384). Feed bytes in any chunking
/// with ``update(_:)``; memory stays constant whatever the input size.
public struct SHA384: @unchecked Sendable {
    // A plain C struct with no pointers: copying it copies the digest state (libcrypto's
    // SHA512_CTX, which SHA-384 shares). @unchecked because the importer does not infer Sendable
    // for C structs; nothing in it refers to shared memory.
    private var context = SHA512_CTX()

    public init() {
        SHA384_Init(&context)
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
        SHA384_Update(&context, base, raw.count)
    }

    /// Returns the 48-byte digest of everything added so far. The value itself is left unchanged.
    public func finalize() -> [UInt8] {
        var copy = context
        return [UInt8](unsafeUninitializedCapacity: 48) { buffer, count in
            // SHA384_Final writes exactly SHA384_DIGEST_LENGTH (48) bytes and cannot fail.
            guard let base = buffer.baseAddress else { return }
            SHA384_Final(base, &copy)
            count = 48
        }
    }

    /// The digest as 96 lowercase hex digits.
    public func hexDigest() -> String { Hex.encode(finalize()) }

    /// The Subresource Integrity value of everything added so far: `sha384-` followed by the
    /// standard, padded base64 of the digest (W3C SRI §3.5, RFC 4648 §4) — what
    /// `openssl dgst -sha384 -binary | base64` prints.
    public var subresourceIntegrity: String { "sha384-" + Base64.encode(finalize()) }

    /// The SHA-384 digest of `bytes` in one call.
    public static func digest<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var sha = SHA384()
        sha.update(bytes)
        return sha.finalize()
    }

    /// The Subresource Integrity value (`sha384-…`) of `bytes` in one call.
    public static func subresourceIntegrity<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var sha = SHA384()
        sha.update(bytes)
        return sha.subresourceIntegrity
    }
}

/// Standard base64 with padding (RFC 4648 §4).
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `bytes` as base64 text, `=`-padded to a multiple of 4 characters.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let n = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            out.append(alphabet[Int((n >> 18) & 63)])
            out.append(alphabet[Int((n >> 12) & 63)])
            out.append(rest == 2 ? alphabet[Int((n >> 6) & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
