/// A streaming SHA-384 digest (FIPS 180-4 §6.5: SHA-512's compression with its own initial value,
/// truncated to 384 bits).
///
/// Hush uses it for Subresource Integrity values (W3C SRI §3.1: `sha384-` + base64 of the digest),
/// the algorithm browsers and bundlers default to. An own implementation, like ``MD5``, keeps
/// swift-crypto out of the package. Feed bytes in any chunking with ``update(_:)``; memory stays
/// constant whatever the input size.
public struct SHA384: Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
        0xcbbb_9d5d_c105_9ed8, 0x629a_292a_367c_d507, 0x9159_015a_3070_dd17, 0x152f_ecd8_f70e_5939, 0x6733_2667_ffc0_0b31, 0x8eb4_4a87_6858_1511, 0xdb0c_2e0d_64f9_8fa7, 0x47b5_481d_befa_4fa4
    )
    private var buffer = [UInt8](repeating: 0, count: 128)
    private var buffered = 0
    private var length: UInt64 = 0

    public init() {}

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
        length &+= UInt64(raw.count)
        var offset = 0
        if buffered > 0 {
            let take = min(128 - buffered, raw.count)
            let start = buffered
            buffer.withUnsafeMutableBytes { dst in
                dst.baseAddress.map { $0.advanced(by: start).copyMemory(from: base, byteCount: take) }
            }
            buffered += take
            offset = take
            if buffered == 128 {
                let block = buffer
                block.withUnsafeBytes { compress($0) }
                buffered = 0
            }
        }
        while raw.count - offset >= 128 {
            compress(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 128)]))
            offset += 128
        }
        if offset < raw.count {
            let rest = raw.count - offset
            buffer.withUnsafeMutableBytes { dst in
                dst.baseAddress.map { $0.copyMemory(from: base.advanced(by: offset), byteCount: rest) }
            }
            buffered = rest
        }
    }

    /// Returns the 48-byte digest of everything added so far. The value itself is left unchanged.
    public func finalize() -> [UInt8] {
        var copy = self
        // FIPS 180-4 §5.1.2: a 1 bit, zeros up to 112 mod 128 bytes, then the bit length as 128 bits.
        let bitLengthHigh = length >> 61
        let bitLengthLow = length << 3
        var padding: [UInt8] = [0x80]
        let padTo = (buffered < 112 ? 112 : 240) - buffered
        padding += [UInt8](repeating: 0, count: padTo - 1)
        for word in [bitLengthHigh, bitLengthLow] {
            for i in (0..<8).reversed() { padding.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(i)))) }
        }
        padding.withUnsafeBytes { copy.update($0) }
        var out = [UInt8]()
        out.reserveCapacity(48)
        for word in [copy.state.0, copy.state.1, copy.state.2, copy.state.3, copy.state.4, copy.state.5] {
            for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(i)))) }
        }
        return out
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

    // K[t]: the first 64 bits of the fractional parts of the cube roots of the first 80 primes
    // (FIPS 180-4 §4.2.3).
    private static let constants: [UInt64] = [
        0x428a_2f98_d728_ae22, 0x7137_4491_23ef_65cd, 0xb5c0_fbcf_ec4d_3b2f, 0xe9b5_dba5_8189_dbbc,
        0x3956_c25b_f348_b538, 0x59f1_11f1_b605_d019, 0x923f_82a4_af19_4f9b, 0xab1c_5ed5_da6d_8118,
        0xd807_aa98_a303_0242, 0x1283_5b01_4570_6fbe, 0x2431_85be_4ee4_b28c, 0x550c_7dc3_d5ff_b4e2,
        0x72be_5d74_f27b_896f, 0x80de_b1fe_3b16_96b1, 0x9bdc_06a7_25c7_1235, 0xc19b_f174_cf69_2694,
        0xe49b_69c1_9ef1_4ad2, 0xefbe_4786_384f_25e3, 0x0fc1_9dc6_8b8c_d5b5, 0x240c_a1cc_77ac_9c65,
        0x2de9_2c6f_592b_0275, 0x4a74_84aa_6ea6_e483, 0x5cb0_a9dc_bd41_fbd4, 0x76f9_88da_8311_53b5,
        0x983e_5152_ee66_dfab, 0xa831_c66d_2db4_3210, 0xb003_27c8_98fb_213f, 0xbf59_7fc7_beef_0ee4,
        0xc6e0_0bf3_3da8_8fc2, 0xd5a7_9147_930a_a725, 0x06ca_6351_e003_826f, 0x1429_2967_0a0e_6e70,
        0x27b7_0a85_46d2_2ffc, 0x2e1b_2138_5c26_c926, 0x4d2c_6dfc_5ac4_2aed, 0x5338_0d13_9d95_b3df,
        0x650a_7354_8baf_63de, 0x766a_0abb_3c77_b2a8, 0x81c2_c92e_47ed_aee6, 0x9272_2c85_1482_353b,
        0xa2bf_e8a1_4cf1_0364, 0xa81a_664b_bc42_3001, 0xc24b_8b70_d0f8_9791, 0xc76c_51a3_0654_be30,
        0xd192_e819_d6ef_5218, 0xd699_0624_5565_a910, 0xf40e_3585_5771_202a, 0x106a_a070_32bb_d1b8,
        0x19a4_c116_b8d2_d0c8, 0x1e37_6c08_5141_ab53, 0x2748_774c_df8e_eb99, 0x34b0_bcb5_e19b_48a8,
        0x391c_0cb3_c5c9_5a63, 0x4ed8_aa4a_e341_8acb, 0x5b9c_ca4f_7763_e373, 0x682e_6ff3_d6b2_b8a3,
        0x748f_82ee_5def_b2fc, 0x78a5_636f_4317_2f60, 0x84c8_7814_a1f0_ab72, 0x8cc7_0208_1a64_39ec,
        0x90be_fffa_2363_1e28, 0xa450_6ceb_de82_bde9, 0xbef9_a3f7_b2c6_7915, 0xc671_78f2_e372_532b,
        0xca27_3ece_ea26_619c, 0xd186_b8c7_21c0_c207, 0xeada_7dd6_cde0_eb1e, 0xf57d_4f7f_ee6e_d178,
        0x06f0_67aa_7217_6fba, 0x0a63_7dc5_a2c8_98a6, 0x113f_9804_bef9_0dae, 0x1b71_0b35_131c_471b,
        0x28db_77f5_2304_7d84, 0x32ca_ab7b_40c7_2493, 0x3c9e_be0a_15c9_bebc, 0x431d_67c4_9c10_0d4c,
        0x4cc5_d4be_cb3e_42b6, 0x597f_299c_fc65_7e2a, 0x5fcb_6fab_3ad6_faec, 0x6c44_198c_4a47_5817,
    ]

    /// FIPS 180-4 §6.4.2: one 1024-bit block.
    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 80) { w in
            for t in 0..<16 {
                w[t] = UInt64(bigEndian: block.loadUnaligned(fromByteOffset: t &* 8, as: UInt64.self))
            }
            for t in 16..<80 {
                let s0 = w[t - 15].rotatedRight(1) ^ w[t - 15].rotatedRight(8) ^ (w[t - 15] >> 7)
                let s1 = w[t - 2].rotatedRight(19) ^ w[t - 2].rotatedRight(61) ^ (w[t - 2] >> 6)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = state
            Self.constants.withUnsafeBufferPointer { k in
                for t in 0..<80 {
                    let sum1 = e.rotatedRight(14) ^ e.rotatedRight(18) ^ e.rotatedRight(41)
                    let choose = (e & f) ^ (~e & g)
                    let t1 = h &+ sum1 &+ choose &+ k[t] &+ w[t]
                    let sum0 = a.rotatedRight(28) ^ a.rotatedRight(34) ^ a.rotatedRight(39)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = sum0 &+ majority
                    h = g; g = f; f = e
                    e = d &+ t1
                    d = c; c = b; b = a
                    a = t1 &+ t2
                }
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d,
                     state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
        }
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedRight(_ count: UInt64) -> UInt64 { (self >> count) | (self << (64 &- count)) }
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
