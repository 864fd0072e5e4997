/// A streaming MD5 digest (RFC 1321).
///
/// Django names hashed files after the first 12 hex digits of the MD5 of their content, so Hush
/// needs MD5 for compatibility, not for security. An own implementation keeps swift-crypto (and a
/// minute of every cold release build) out of the package. Feed bytes in any chunking with
/// ``update(_:)``; memory stays constant whatever the input size.
public struct MD5: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476)
    private var buffer = [UInt8](repeating: 0, count: 64)
    private var buffered = 0
    private var length: UInt64 = 0

    public init() {}

    /// Adds `bytes` to the message being digested.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if handled == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// Adds the bytes in `raw` to the message being digested.
    public mutating func update(_ raw: UnsafeRawBufferPointer) {
        guard raw.count > 0, let base = raw.baseAddress else { return }
        length &+= UInt64(raw.count)
        var offset = 0
        if buffered > 0 {
            let take = min(64 - buffered, raw.count)
            buffer.withUnsafeMutableBytes { dst in
                dst.baseAddress!.advanced(by: buffered).copyMemory(from: base, byteCount: take)
            }
            buffered += take
            offset = take
            if buffered == 64 {
                buffer.withUnsafeBytes { compress($0.baseAddress!) }
                buffered = 0
            }
        }
        while raw.count - offset >= 64 {
            compress(base.advanced(by: offset))
            offset += 64
        }
        if offset < raw.count {
            let rest = raw.count - offset
            buffer.withUnsafeMutableBytes { dst in
                dst.baseAddress!.copyMemory(from: base.advanced(by: offset), byteCount: rest)
            }
            buffered = rest
        }
    }

    /// Returns the 16-byte digest of everything added so far. The value itself is left unchanged.
    public func finalize() -> [UInt8] {
        var copy = self
        let bitLength = length &* 8
        var padding: [UInt8] = [0x80]
        let padTo = (buffered < 56 ? 56 : 120) - buffered
        padding += [UInt8](repeating: 0, count: padTo - 1)
        for i in 0..<8 { padding.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
        let savedLength = copy.length
        padding.withUnsafeBytes { copy.update($0) }
        copy.length = savedLength
        var out = [UInt8]()
        out.reserveCapacity(16)
        for word in [copy.state.0, copy.state.1, copy.state.2, copy.state.3] {
            for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt32(i)))) }
        }
        return out
    }

    /// The digest as 32 lowercase hex digits.
    public func hexDigest() -> String { Hex.encode(finalize()) }

    /// The MD5 hex digest of `bytes` in one call.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var md5 = MD5()
        md5.update(bytes)
        return md5.hexDigest()
    }

    private mutating func compress(_ block: UnsafeRawPointer) {
        // RFC 1321 §3.4, unrolled: the 64 steps with their constants inline.
        @inline(__always) func word(_ i: Int) -> UInt32 {
            UInt32(littleEndian: block.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
        }
        let x0 = word(0), x1 = word(1), x2 = word(2), x3 = word(3), x4 = word(4), x5 = word(5), x6 = word(6), x7 = word(7)
        let x8 = word(8), x9 = word(9), x10 = word(10), x11 = word(11), x12 = word(12), x13 = word(13), x14 = word(14), x15 = word(15)
        var a = state.0, b = state.1, c = state.2, d = state.3
        a = stepF(a, b, c, d, x0, 0xd76aa478, 7)
        d = stepF(d, a, b, c, x1, 0xe8c7b756, 12)
        c = stepF(c, d, a, b, x2, 0x242070db, 17)
        b = stepF(b, c, d, a, x3, 0xc1bdceee, 22)
        a = stepF(a, b, c, d, x4, 0xf57c0faf, 7)
        d = stepF(d, a, b, c, x5, 0x4787c62a, 12)
        c = stepF(c, d, a, b, x6, 0xa8304613, 17)
        b = stepF(b, c, d, a, x7, 0xfd469501, 22)
        a = stepF(a, b, c, d, x8, 0x698098d8, 7)
        d = stepF(d, a, b, c, x9, 0x8b44f7af, 12)
        c = stepF(c, d, a, b, x10, 0xffff5bb1, 17)
        b = stepF(b, c, d, a, x11, 0x895cd7be, 22)
        a = stepF(a, b, c, d, x12, 0x6b901122, 7)
        d = stepF(d, a, b, c, x13, 0xfd987193, 12)
        c = stepF(c, d, a, b, x14, 0xa679438e, 17)
        b = stepF(b, c, d, a, x15, 0x49b40821, 22)
        a = stepG(a, b, c, d, x1, 0xf61e2562, 5)
        d = stepG(d, a, b, c, x6, 0xc040b340, 9)
        c = stepG(c, d, a, b, x11, 0x265e5a51, 14)
        b = stepG(b, c, d, a, x0, 0xe9b6c7aa, 20)
        a = stepG(a, b, c, d, x5, 0xd62f105d, 5)
        d = stepG(d, a, b, c, x10, 0x02441453, 9)
        c = stepG(c, d, a, b, x15, 0xd8a1e681, 14)
        b = stepG(b, c, d, a, x4, 0xe7d3fbc8, 20)
        a = stepG(a, b, c, d, x9, 0x21e1cde6, 5)
        d = stepG(d, a, b, c, x14, 0xc33707d6, 9)
        c = stepG(c, d, a, b, x3, 0xf4d50d87, 14)
        b = stepG(b, c, d, a, x8, 0x455a14ed, 20)
        a = stepG(a, b, c, d, x13, 0xa9e3e905, 5)
        d = stepG(d, a, b, c, x2, 0xfcefa3f8, 9)
        c = stepG(c, d, a, b, x7, 0x676f02d9, 14)
        b = stepG(b, c, d, a, x12, 0x8d2a4c8a, 20)
        a = stepH(a, b, c, d, x5, 0xfffa3942, 4)
        d = stepH(d, a, b, c, x8, 0x8771f681, 11)
        c = stepH(c, d, a, b, x11, 0x6d9d6122, 16)
        b = stepH(b, c, d, a, x14, 0xfde5380c, 23)
        a = stepH(a, b, c, d, x1, 0xa4beea44, 4)
        d = stepH(d, a, b, c, x4, 0x4bdecfa9, 11)
        c = stepH(c, d, a, b, x7, 0xf6bb4b60, 16)
        b = stepH(b, c, d, a, x10, 0xbebfbc70, 23)
        a = stepH(a, b, c, d, x13, 0x289b7ec6, 4)
        d = stepH(d, a, b, c, x0, 0xeaa127fa, 11)
        c = stepH(c, d, a, b, x3, 0xd4ef3085, 16)
        b = stepH(b, c, d, a, x6, 0x04881d05, 23)
        a = stepH(a, b, c, d, x9, 0xd9d4d039, 4)
        d = stepH(d, a, b, c, x12, 0xe6db99e5, 11)
        c = stepH(c, d, a, b, x15, 0x1fa27cf8, 16)
        b = stepH(b, c, d, a, x2, 0xc4ac5665, 23)
        a = stepI(a, b, c, d, x0, 0xf4292244, 6)
        d = stepI(d, a, b, c, x7, 0x432aff97, 10)
        c = stepI(c, d, a, b, x14, 0xab9423a7, 15)
        b = stepI(b, c, d, a, x5, 0xfc93a039, 21)
        a = stepI(a, b, c, d, x12, 0x655b59c3, 6)
        d = stepI(d, a, b, c, x3, 0x8f0ccc92, 10)
        c = stepI(c, d, a, b, x10, 0xffeff47d, 15)
        b = stepI(b, c, d, a, x1, 0x85845dd1, 21)
        a = stepI(a, b, c, d, x8, 0x6fa87e4f, 6)
        d = stepI(d, a, b, c, x15, 0xfe2ce6e0, 10)
        c = stepI(c, d, a, b, x6, 0xa3014314, 15)
        b = stepI(b, c, d, a, x13, 0x4e0811a1, 21)
        a = stepI(a, b, c, d, x4, 0xf7537e82, 6)
        d = stepI(d, a, b, c, x11, 0xbd3af235, 10)
        c = stepI(c, d, a, b, x2, 0x2ad7d2bb, 15)
        b = stepI(b, c, d, a, x9, 0xeb86d391, 21)
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}

@inline(__always) private func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 &- n)) }
@inline(__always) private func stepF(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ k: UInt32, _ s: UInt32) -> UInt32 {
    b &+ rotl(a &+ ((b & c) | (~b & d)) &+ x &+ k, s)
}
@inline(__always) private func stepG(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ k: UInt32, _ s: UInt32) -> UInt32 {
    b &+ rotl(a &+ ((d & b) | (~d & c)) &+ x &+ k, s)
}
@inline(__always) private func stepH(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ k: UInt32, _ s: UInt32) -> UInt32 {
    b &+ rotl(a &+ (b ^ c ^ d) &+ x &+ k, s)
}
@inline(__always) private func stepI(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ k: UInt32, _ s: UInt32) -> UInt32 {
    b &+ rotl(a &+ (c ^ (b | ~d)) &+ x &+ k, s)
}

