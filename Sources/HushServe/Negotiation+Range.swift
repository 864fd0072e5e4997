extension Negotiation {
    /// What a `Range` field asks of a representation of a given length (RFC 9110 §14).
    public enum RangeDecision: Equatable, Sendable {
        /// Send the whole representation (200): no Range, a malformed one, another unit, or
        /// several ranges (see below).
        case full
        /// Send these bytes (206 with `Content-Range: bytes first-last/length`).
        case partial(ClosedRange<Int>)
        /// No range overlaps the representation (416 with `Content-Range: bytes */length`).
        case unsatisfiable
    }

    /// Most ranges read from one field; more and the field is ignored (a cheap defence against
    /// range-amplification requests).
    static let maxRanges = 100

    /// Evaluates `Range` (RFC 9110 §14.2) for a representation of `length` bytes.
    ///
    /// - A single `first-last`, open-ended `first-` or suffix `-n` range that overlaps → partial.
    /// - A syntactically invalid field (e.g. `last < first`, junk) is ignored → full (§14.2:
    ///   a server MAY ignore Range).
    /// - No range satisfiable (all start past the end, or `-0`) → unsatisfiable.
    /// - Several ranges with at least one satisfiable → full. Hush does not generate
    ///   `multipart/byteranges`: browsers and media players ask for one range, and a full 200 is
    ///   always a correct answer, whereas multipart responses are the classic amplification
    ///   vector (CVE-2011-3192).
    public static func range(_ field: ArraySlice<UInt8>?, length: Int) -> RangeDecision {
        FieldNegotiation.range(field, length: length)
    }

    /// String convenience for the byte form of `range`.
    public static func range(_ field: String?, length: Int) -> RangeDecision {
        range(field.map { ArraySlice($0) }, length: length)
    }

    /// Whether `If-Range` lets the Range apply (RFC 9110 §13.1.5): an entity-tag must match the
    /// current one by strong comparison (a weak tag never does); an HTTP-date must equal
    /// `Last-Modified` exactly. Anything else fails, and the full representation is sent.
    public static func ifRangeMatches(_ field: ArraySlice<UInt8>, opaqueTag: [UInt8], lastModified: Int64) -> Bool {
        FieldNegotiation.ifRangeMatches(field, opaqueTag: opaqueTag, lastModified: lastModified)
    }
}

extension FieldNegotiation {
    /// ``Negotiation/range(_:length:)-(ArraySlice<UInt8>?,_)`` over any field bytes.
    static func range<Bytes: FieldValueBytes>(_ field: Bytes?, length: Int) -> Negotiation.RangeDecision {
        guard let field else { return .full }
        let s = FieldBytes.trimmed(field)
        guard let eq = s.firstIndex(of: FieldBytes.equals), FieldBytes.equalsLowercase(s[s.startIndex..<eq], "bytes"),
            let specs = FieldBytes.listElements(s[(eq + 1)...], limit: Negotiation.maxRanges), !specs.isEmpty
        else { return .full }
        var satisfiable: [ClosedRange<Int>] = []
        for spec in specs {
            guard let dash = spec.firstIndex(of: FieldBytes.dash) else { return .full }
            let firstText = spec[spec.startIndex..<dash]
            let lastText = spec[(dash + 1)...]
            if firstText.isEmpty {
                // suffix-range: the last n bytes (§14.1.2); n = 0 is unsatisfiable.
                guard let n = FieldBytes.decimal(lastText) else { return .full }
                if n > 0, length > 0 { satisfiable.append(max(0, length - n)...(length - 1)) }
            } else {
                guard let first = FieldBytes.decimal(firstText) else { return .full }
                var last = Int.max
                if !lastText.isEmpty {
                    guard let l = FieldBytes.decimal(lastText), l >= first else { return .full }
                    last = l
                }
                if first < length { satisfiable.append(first...min(last, length - 1)) }
            }
        }
        if satisfiable.isEmpty { return .unsatisfiable }
        if specs.count == 1, let only = satisfiable.first { return .partial(only) }
        return .full
    }

    /// ``Negotiation/ifRangeMatches(_:opaqueTag:lastModified:)`` over any field bytes.
    static func ifRangeMatches<Bytes: FieldValueBytes>(_ field: Bytes, opaqueTag: [UInt8], lastModified: Int64) -> Bool
    {
        let s = FieldBytes.trimmed(field)
        guard let first = s.first else { return false }
        // entity-tag = [ "W/" ] DQUOTE … (§8.8.3). A bare "W" is not enough: "Wed, 21 Oct 2015
        // 07:28:00 GMT" is an HTTP-date.
        if first == FieldBytes.quote || (first == UInt8(ascii: "W") && s.dropFirst().first == UInt8(ascii: "/")) {
            guard let tag = EntityTag(s), !tag.weak else { return false }
            return equal(tag.opaque, opaqueTag)
        }
        return HTTPDateField.parse(s) == lastModified
    }
}
