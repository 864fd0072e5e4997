import HushCore

extension Negotiation {
    /// Chooses the content coding to send (RFC 9110 §12.5.3) among the available siblings.
    ///
    /// - Highest q-value wins; ties prefer the order of ``ContentCoding``'s cases (br, zstd, gzip:
    ///   usually smallest first), then identity. The server passes each resource's codings
    ///   smallest first instead (``Resource/codings``), so there the fewest bytes win a tie.
    /// - `q=0` excludes a coding; `*` gives its q to every coding not named; an alias names its
    ///   coding (`x-gzip` is gzip, RFC 9110 §8.4.1.3).
    /// - Identity is acceptable unless excluded by `identity;q=0` or `*;q=0`; when not named it
    ///   ranks below every coding the client did name.
    /// - No header: identity (a client that says nothing gets what it surely understands).
    /// - Nothing acceptable: identity anyway, rather than 406 (RFC 9110 §12.5.3 lets the server
    ///   send an unlisted coding; every client decodes identity).
    ///
    /// Returns nil for identity.
    public static func chooseCoding(acceptEncoding: ArraySlice<UInt8>?, available: [ContentCoding]) -> ContentCoding? {
        // A resource keeps its codings in preference order; a caller's list may be in any order.
        let ordered = isInPreferenceOrder(available) ? available : codings.filter(available.contains)
        return FieldNegotiation.chooseCoding(acceptEncoding: acceptEncoding, available: ordered)
    }

    /// String convenience for the byte form of `chooseCoding`.
    public static func chooseCoding(acceptEncoding: String?, available: [ContentCoding]) -> ContentCoding? {
        chooseCoding(acceptEncoding: acceptEncoding.map { ArraySlice($0) }, available: available)
    }

    /// Every coding, in preference order.
    static let codings = ContentCoding.allCases

    /// Whether `list` names each coding at most once, in preference order.
    static func isInPreferenceOrder(_ list: [ContentCoding]) -> Bool {
        var rank = -1
        for coding in list {
            guard let next = codings.firstIndex(of: coding), next > rank else { return false }
            rank = next
        }
        return true
    }

    /// Most codings a negotiation weighs: their q-values live in a fixed array of this size, so a
    /// request costs no allocation. A test checks ``ContentCoding`` has no more cases.
    static let maxCodings = 8
}

extension FieldNegotiation {
    /// ``Negotiation/chooseCoding(acceptEncoding:available:)-(ArraySlice<UInt8>?,_)`` over any field
    /// bytes, with `available` in preference order (as ``Resource/codings`` keeps them, smallest
    /// first): on equal q-values the first wins.
    static func chooseCoding<Bytes: FieldValueBytes>(
        acceptEncoding: Bytes?,
        available: [ContentCoding]
    ) -> ContentCoding? {
        guard let field = acceptEncoding, !available.isEmpty else { return nil }
        let count = min(available.count, Negotiation.maxCodings)
        // Per available coding: the q (thousandths) the field names it with, the highest when
        // named twice; -1 when not named.
        var named = InlineArray<8, Int16>(repeating: -1)
        var identity: Int?
        var star: Int?
        // One pass over the comma-separated members, no intermediate arrays (per request).
        var start = field.startIndex
        members: while start < field.endIndex {
            var end = start
            while end < field.endIndex, field[end] != FieldBytes.comma { end += 1 }
            let element = FieldBytes.trimmed(field[start..<end])
            start = end + 1
            guard !element.isEmpty, let (name, q) = codingAndWeight(element) else { continue }
            for i in 0..<count {
                let entry = available[i].entry
                var matches = FieldBytes.equalsLowercase(name, entry.token)
                if !matches, let alias = entry.alias { matches = FieldBytes.equalsLowercase(name, alias) }
                if matches {
                    named[i] = max(named[i], Int16(q))
                    continue members
                }
            }
            if FieldBytes.equalsLowercase(name, "identity") {
                identity = max(identity ?? -1, q)
            } else if FieldBytes.equalsLowercase(name, "*") {
                star = max(star ?? -1, q)
            }
        }
        // The best available coding, the first in preference order on ties.
        var best: ContentCoding?
        var bestQ = 0
        for i in 0..<count {
            let q = named[i] >= 0 ? Int(named[i]) : (star ?? 0)
            if q > bestQ {
                best = available[i]
                bestQ = q
            }
        }
        // Unnamed identity: acceptable, but below any named coding (weight 0.0005 in thousandths×2).
        let qIdentity = identity.map { $0 * 2 } ?? star.map { $0 * 2 } ?? 1
        return bestQ * 2 >= qIdentity ? best : nil
    }

    /// `coding *( OWS ";" OWS parameter )` → the coding and its q in thousandths (default 1000).
    /// nil when the weight is malformed, so the element is ignored.
    static func codingAndWeight<Bytes: FieldValueBytes>(_ element: Bytes) -> (Bytes, Int)? {
        guard let semicolon = element.firstIndex(of: FieldBytes.semicolon) else { return (element, 1000) }
        let coding = FieldBytes.trimmed(element[element.startIndex..<semicolon])
        guard !coding.isEmpty else { return nil }
        var q = 1000
        for parameter in element[(semicolon + 1)...].split(
            separator: FieldBytes.semicolon,
            omittingEmptySubsequences: false
        ) {
            let p = FieldBytes.trimmed(parameter)
            guard p.count >= 2, FieldBytes.lower(p[p.startIndex]) == UInt8(ascii: "q"),
                p[p.startIndex + 1] == FieldBytes.equals
            else { continue }
            guard let weight = qvalue(p.dropFirst(2)) else { return nil }
            q = weight
        }
        return (coding, q)
    }

    /// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` (RFC 9110 §12.4.2), in thousandths.
    static func qvalue<Bytes: FieldValueBytes>(_ s: Bytes) -> Int? {
        guard let first = s.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        var value = Int(first - 0x30) * 1000
        let rest = s.dropFirst()
        if rest.isEmpty { return value }
        guard rest.first == UInt8(ascii: "."), rest.count <= 4 else { return nil }
        var scale = 100
        for b in rest.dropFirst() {
            guard b >= 0x30, b <= 0x39 else { return nil }
            value += Int(b - 0x30) * scale
            scale /= 10
        }
        return value <= 1000 ? value : nil
    }
}
