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
        if handled == nil { update(UnsafeRawBufferPointer(Array(bytes).withUnsafeBufferPointer { $0 })) }
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

    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    // K[i] = floor(abs(sin(i + 1)) * 2^32), RFC 1321 §3.4.
    private static let constants: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64(abs(sin(Double($0 + 1))) * 4_294_967_296.0)) }

    private mutating func compress(_ block: UnsafeRawPointer) {
        var a = state.0, b = state.1, c = state.2, d = state.3
        Self.constants.withUnsafeBufferPointer { k in
            Self.shifts.withUnsafeBufferPointer { s in
                for i in 0..<64 {
                    var f: UInt32
                    let g: Int
                    switch i >> 4 {
                    case 0: f = (b & c) | (~b & d); g = i
                    case 1: f = (d & b) | (~d & c); g = (5 &* i &+ 1) & 15
                    case 2: f = b ^ c ^ d; g = (3 &* i &+ 5) & 15
                    default: f = c ^ (b | ~d); g = (7 &* i) & 15
                    }
                    let word = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: g &* 4, as: UInt32.self))
                    f = f &+ a &+ k[i] &+ word
                    a = d; d = c; c = b
                    b = b &+ ((f << s[i]) | (f >> (32 &- s[i])))
                }
            }
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
