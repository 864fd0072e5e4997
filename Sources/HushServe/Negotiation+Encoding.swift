import HushCore

extension Negotiation {
    /// Chooses the content coding to send (RFC 9110 §12.5.3) among the available siblings.
    ///
    /// - Highest q-value wins; ties prefer br, then gzip, then identity (smallest first).
    /// - `q=0` excludes a coding; `*` gives its q to every coding not named; `x-gzip` is gzip
    ///   (RFC 9110 §8.4.1.3).
    /// - Identity is acceptable unless excluded by `identity;q=0` or `*;q=0`; when not named it
    ///   ranks below every coding the client did name.
    /// - No header: identity (a client that says nothing gets what it surely understands).
    /// - Nothing acceptable: identity anyway, rather than 406 (RFC 9110 §12.5.3 lets the server
    ///   send an unlisted coding; every client decodes identity).
    ///
    /// Returns nil for identity.
    public static func chooseCoding(acceptEncoding: ArraySlice<UInt8>?, hasBrotli: Bool, hasGzip: Bool) -> ContentCoding? {
        FieldNegotiation.chooseCoding(acceptEncoding: acceptEncoding, hasBrotli: hasBrotli, hasGzip: hasGzip)
    }

    /// String convenience for the byte form of `chooseCoding`.
    public static func chooseCoding(acceptEncoding: String?, hasBrotli: Bool, hasGzip: Bool) -> ContentCoding? {
        chooseCoding(acceptEncoding: acceptEncoding.map { ArraySlice($0) }, hasBrotli: hasBrotli, hasGzip: hasGzip)
    }


}

extension FieldNegotiation {
    /// ``Negotiation/chooseCoding(acceptEncoding:hasBrotli:hasGzip:)-(ArraySlice<UInt8>?,_,_)`` over any field bytes.
    static func chooseCoding<Bytes: FieldValueBytes>(acceptEncoding: Bytes?, hasBrotli: Bool, hasGzip: Bool) -> ContentCoding? {
        guard let field = acceptEncoding, hasBrotli || hasGzip else { return nil }
        var br: Int?, gzip: Int?, identity: Int?, star: Int?
        // One pass over the comma-separated members, no intermediate arrays (per request).
        var start = field.startIndex
        while start < field.endIndex {
            var end = start
            while end < field.endIndex, field[end] != FieldBytes.comma { end += 1 }
            let element = FieldBytes.trimmed(field[start..<end])
            start = end + 1
            guard !element.isEmpty, let (coding, q) = codingAndWeight(element) else { continue }
            if FieldBytes.equalsLowercase(coding, "br") { br = max(br ?? -1, q) }
            else if FieldBytes.equalsLowercase(coding, "gzip") || FieldBytes.equalsLowercase(coding, "x-gzip") { gzip = max(gzip ?? -1, q) }
            else if FieldBytes.equalsLowercase(coding, "identity") { identity = max(identity ?? -1, q) }
            else if FieldBytes.equalsLowercase(coding, "*") { star = max(star ?? -1, q) }
        }
        let qBr = hasBrotli ? (br ?? star ?? 0) : 0
        let qGzip = hasGzip ? (gzip ?? star ?? 0) : 0
        // Unnamed identity: acceptable, but below any named coding (weight 0.0005 in thousandths×2).
        let qIdentity = identity.map { $0 * 2 } ?? star.map { $0 * 2 } ?? 1
        let best = max(qBr * 2, qGzip * 2, qIdentity)
        if best <= 0 { return nil }
        if qBr * 2 == best { return .br }
        if qGzip * 2 == best { return .gzip }
        return nil
    }

    /// `coding *( OWS ";" OWS parameter )` → the coding and its q in thousandths (default 1000).
    /// nil when the weight is malformed, so the element is ignored.
    static func codingAndWeight<Bytes: FieldValueBytes>(_ element: Bytes) -> (Bytes, Int)? {
        guard let semicolon = element.firstIndex(of: FieldBytes.semicolon) else { return (element, 1000) }
        let coding = FieldBytes.trimmed(element[element.startIndex..<semicolon])
        guard !coding.isEmpty else { return nil }
        var q = 1000
        for parameter in element[(semicolon + 1)...].split(separator: FieldBytes.semicolon, omittingEmptySubsequences: false) {
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
