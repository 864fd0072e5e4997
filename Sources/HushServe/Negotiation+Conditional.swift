import HushCore

extension Negotiation {
    /// The result of evaluating preconditions (RFC 9110 §13.2.2).
    public enum ConditionalOutcome: Equatable, Sendable {
        /// Answer the request normally (then consider Range).
        case proceed
        /// 304 Not Modified (GET/HEAD only).
        case notModified
        /// 412 Precondition Failed.
        case preconditionFailed
    }

    /// Evaluates conditional fields in the order RFC 9110 §13.2.2 prescribes:
    /// If-Match, else If-Unmodified-Since; then If-None-Match, else If-Modified-Since. A present
    /// If-None-Match makes If-Modified-Since be ignored. Invalid dates are ignored (§13.1.3,
    /// §13.1.4). Only GET and HEAD are ever evaluated (other methods are refused earlier).
    public static func evaluateConditionals(
        ifMatch: ArraySlice<UInt8>?,
        ifUnmodifiedSince: ArraySlice<UInt8>?,
        ifNoneMatch: ArraySlice<UInt8>?,
        ifModifiedSince: ArraySlice<UInt8>?,
        opaqueTag: [UInt8],
        lastModified: Int64
    ) -> ConditionalOutcome {
        FieldNegotiation.evaluateConditionals(
            ifMatch: ifMatch,
            ifUnmodifiedSince: ifUnmodifiedSince,
            ifNoneMatch: ifNoneMatch,
            ifModifiedSince: ifModifiedSince,
            opaqueTag: opaqueTag,
            lastModified: lastModified
        )
    }

    /// Whether an `If-None-Match`/`If-Match` value (`*` or a list of entity-tags) matches the
    /// current tag. Malformed list members are ignored.
    public static func tagListMatches(_ field: ArraySlice<UInt8>, opaqueTag: [UInt8], weakComparison: Bool) -> Bool {
        FieldNegotiation.tagListMatches(field, opaqueTag: opaqueTag, weakComparison: weakComparison)
    }

    /// String convenience for tests and callers holding strings.
    public static func evaluateConditionals(
        ifMatch: String? = nil,
        ifUnmodifiedSince: String? = nil,
        ifNoneMatch: String? = nil,
        ifModifiedSince: String? = nil,
        etag: String,
        lastModified: Int64
    ) -> ConditionalOutcome {
        evaluateConditionals(
            ifMatch: ifMatch.map { ArraySlice($0) },
            ifUnmodifiedSince: ifUnmodifiedSince.map { ArraySlice($0) },
            ifNoneMatch: ifNoneMatch.map { ArraySlice($0) },
            ifModifiedSince: ifModifiedSince.map { ArraySlice($0) },
            opaqueTag: Array(etag.utf8.filter { $0 != FieldBytes.quote }),
            lastModified: lastModified
        )
    }
}

extension FieldNegotiation {
    /// ``Negotiation/evaluateConditionals(ifMatch:ifUnmodifiedSince:ifNoneMatch:ifModifiedSince:opaqueTag:lastModified:)-(ArraySlice<UInt8>?,_,_,_,_,_)`` over any field bytes.
    static func evaluateConditionals<Bytes: FieldValueBytes>(
        ifMatch: Bytes?,
        ifUnmodifiedSince: Bytes?,
        ifNoneMatch: Bytes?,
        ifModifiedSince: Bytes?,
        opaqueTag: [UInt8],
        lastModified: Int64
    ) -> Negotiation.ConditionalOutcome {
        if let ifMatch {
            // §13.1.1: strong comparison.
            if !tagListMatches(ifMatch, opaqueTag: opaqueTag, weakComparison: false) { return .preconditionFailed }
        } else if let ifUnmodifiedSince, let date = HTTPDateField.parse(ifUnmodifiedSince), lastModified > date {
            return .preconditionFailed
        }
        if let ifNoneMatch {
            // §13.1.2: weak comparison; a match means the client's copy is current.
            return tagListMatches(ifNoneMatch, opaqueTag: opaqueTag, weakComparison: true) ? .notModified : .proceed
        }
        if let ifModifiedSince, let date = HTTPDateField.parse(ifModifiedSince), lastModified <= date {
            return .notModified
        }
        return .proceed
    }

    /// ``Negotiation/tagListMatches(_:opaqueTag:weakComparison:)`` over any field bytes.
    static func tagListMatches<Bytes: FieldValueBytes>(_ field: Bytes, opaqueTag: [UInt8], weakComparison: Bool) -> Bool
    {
        let s = FieldBytes.trimmed(field)
        if s.count == 1, s.first == UInt8(ascii: "*") { return true }
        // What a revalidating client sends back: exactly our strong tag. Our tags are hex, valid
        // etagc, so this is the member-by-member answer without the pass (a 304 costs it per request).
        if s.count == opaqueTag.count + 2, s[s.startIndex] == FieldBytes.quote, s[s.endIndex - 1] == FieldBytes.quote,
            equal(s[(s.startIndex + 1)..<(s.endIndex - 1)], opaqueTag)
        {
            return true
        }
        // One pass over the members, no arrays; an entity-tag may contain a comma (etagc allows
        // it), so only commas outside quotes separate members.
        var start = s.startIndex
        var quoted = false
        var i = s.startIndex
        while i <= s.endIndex {
            if i < s.endIndex {
                if s[i] == FieldBytes.quote { quoted.toggle() }
                if s[i] != FieldBytes.comma || quoted {
                    i += 1
                    continue
                }
            }
            let element = FieldBytes.trimmed(s[start..<i])
            start = i + 1
            i += 1
            guard !element.isEmpty, let tag = EntityTag(element) else { continue }
            if tag.weak, !weakComparison { continue }
            if equal(tag.opaque, opaqueTag) { return true }
        }
        return false
    }

    /// Byte equality of a field's entity-tag with ours, without generic iteration.
    @inline(__always)
    static func equal<Bytes: FieldValueBytes>(_ a: Bytes, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var i = a.startIndex
        var j = 0
        while j < b.count {
            if a[i] != b[j] { return false }
            i += 1
            j += 1
        }
        return true
    }
}

/// `entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE` (RFC 9110 §8.8.3).
struct EntityTag<Bytes: FieldValueBytes> {
    var weak: Bool
    var opaque: Bytes

    init?(_ s: Bytes) {
        var body = s
        weak = false
        if body.count >= 2, body[body.startIndex] == UInt8(ascii: "W"), body[body.startIndex + 1] == UInt8(ascii: "/") {
            weak = true
            body = body.dropFirst(2)
        }
        guard body.count >= 2, body.first == FieldBytes.quote, body.last == FieldBytes.quote else { return nil }
        opaque = body.dropFirst().dropLast()
        // etagc = %x21 / %x23-7E / obs-text: no DQUOTE, space or control inside.
        var i = opaque.startIndex
        while i < opaque.endIndex {
            let c = opaque[i]
            guard c == 0x21 || c >= 0x23 && c != 0x7f else { return nil }
            i += 1
        }
    }
}

/// HTTP-date field values.
enum HTTPDateField {
    static func parse<Bytes: FieldValueBytes>(_ s: Bytes) -> Int64? { HTTPDate.parse(s) }
}
