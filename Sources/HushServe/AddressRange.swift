import Glibc

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or one address,
/// `127.0.0.1` meaning `/32`): what `--trusted-proxy` names.
///
/// Both families are held as 16 bytes, IPv4 as its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`,
/// RFC 4291 §2.5.5.2), so an IPv4 range also matches a peer that a dual-stack listener reports
/// as `::ffff:10.1.2.3`.
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    /// The network's address bytes, bits beyond the prefix cleared.
    let network: [UInt8]
    /// Prefix length over the 16 bytes (an IPv4 `/8` is 104 here).
    let prefixLength: Int
    /// As written, for messages.
    public let description: String

    /// Parses `ADDRESS` or `ADDRESS/LENGTH`; nil when it is neither an IPv4 nor an IPv6 network.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let (bytes, isIPv4) = Self.parseAddress(String(parts[0])) else { return nil }
        let maximum = isIPv4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard let n = Int(parts[1]), parts[1].allSatisfy(\.isASCII), (0...maximum).contains(n) else { return nil }
            length = n
        }
        let total = isIPv4 ? length + 96 : length
        self.network = Self.masked(bytes, total)
        self.prefixLength = total
        self.description = text
    }

    /// Whether `address` (16 bytes, as ``parseAddress(_:)`` returns) lies in this network.
    func contains(_ address: [UInt8]) -> Bool {
        address.count == 16 && Self.masked(address, prefixLength) == network
    }

    /// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped), and whether it was IPv4. IPv6 may carry
    /// a zone (`fe80::1%eth0`), which is ignored.
    static func parseAddress(_ text: String) -> ([UInt8], Bool)? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let b = withUnsafeBytes(of: v4.s_addr) { Array($0) }
            return ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] + b, true)
        }
        let unzoned = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, unzoned, &v6) == 1 else { return nil }
        return (withUnsafeBytes(of: v6) { Array($0) }, false)
    }

    private static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var out = bytes
        for i in 0..<16 {
            let keep = max(0, min(8, length - i * 8))
            out[i] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
        return out
    }
}
