/// Pure functions choosing what to send from the request's header fields: content coding,
/// conditionals and ranges. No sockets, no state — each is tested on plain byte strings.
///
/// Field values are byte strings; the server passes views of the request head (see
/// ``FieldNegotiation``), never copies.
public enum Negotiation {}

/// The field rules of ``Negotiation`` over any ``FieldValueBytes``: the server calls these with
/// views of the request head; ``Negotiation``'s public functions call them with `ArraySlice`.
/// (Public generic functions would run unspecialized, boxed, for callers in other modules.)
enum FieldNegotiation {}

/// The bytes of a header field value: contiguous, indexed by offsets, and sliced into the same
/// type. The server passes views of the request head (`Slice<UnsafeRawBufferPointer>`, which costs
/// no reference counting per request); tests and callers holding strings pass `ArraySlice<UInt8>`.
protocol FieldValueBytes: RandomAccessCollection where Element == UInt8, Index == Int, SubSequence == Self {}

extension ArraySlice: FieldValueBytes where Element == UInt8 {}
extension Slice: FieldValueBytes where Base == UnsafeRawBufferPointer {}

/// Small byte helpers shared by the field parsers.
enum FieldBytes {
    static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), comma = UInt8(ascii: ","),
        semicolon = UInt8(ascii: ";"), quote = UInt8(ascii: "\""), equals = UInt8(ascii: "="),
        dash = UInt8(ascii: "-")

    @inline(__always)
    static func isOWS(_ b: UInt8) -> Bool { b == space || b == tab }

    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5a) ? b | 0x20 : b }

    /// `s` without leading and trailing optional whitespace (RFC 9110 §5.6.3).
    static func trimmed<Bytes: FieldValueBytes>(_ s: Bytes) -> Bytes {
        var lo = s.startIndex
        var hi = s.endIndex
        while lo < hi, isOWS(s[lo]) { lo += 1 }
        while hi > lo, isOWS(s[hi - 1]) { hi -= 1 }
        return s[lo..<hi]
    }

    /// Case-insensitive equality with a lowercase ASCII literal.
    static func equalsLowercase<Bytes: FieldValueBytes>(_ s: Bytes, _ literal: StaticString) -> Bool {
        guard s.count == literal.utf8CodeUnitCount else { return false }
        return literal.withUTF8Buffer { lit in
            var i = s.startIndex
            var j = 0
            while j < lit.count {
                if lower(s[i]) != lit[j] { return false }
                i += 1
                j += 1
            }
            return true
        }
    }

    /// Splits a list field on commas outside quoted strings (RFC 9110 §5.6.1), trimming each
    /// element and dropping empty ones, as recipients must accept.
    static func listElements<Bytes: FieldValueBytes>(_ s: Bytes, limit: Int = 256) -> [Bytes]? {
        var out: [Bytes] = []
        var start = s.startIndex
        var i = s.startIndex
        var quoted = false
        while i < s.endIndex {
            let b = s[i]
            if b == quote {
                quoted.toggle()
            } else if b == comma, !quoted {
                let element = trimmed(s[start..<i])
                if !element.isEmpty { out.append(element) }
                if out.count > limit { return nil }
                start = i + 1
            }
            i += 1
        }
        let element = trimmed(s[start..<s.endIndex])
        if !element.isEmpty { out.append(element) }
        return out.count > limit ? nil : out
    }

    /// A non-negative decimal, saturating at `Int.max`; nil if empty or not all digits.
    static func decimal<Bytes: FieldValueBytes>(_ s: Bytes) -> Int? {
        guard !s.isEmpty else { return nil }
        var v = 0
        for b in s {
            guard b >= 0x30, b <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
            v = (o1 || o2) ? Int.max : a
        }
        return v
    }
}

extension ArraySlice where Element == UInt8 {
    /// The bytes of a string, for tests and literals.
    init(_ string: String) { self = ArraySlice(Array(string.utf8)) }
}
