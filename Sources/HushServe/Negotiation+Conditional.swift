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
        ifMatch: ArraySlice<UInt8>?, ifUnmodifiedSince: ArraySlice<UInt8>?,
        ifNoneMatch: ArraySlice<UInt8>?, ifModifiedSince: ArraySlice<UInt8>?,
        opaqueTag: [UInt8], lastModified: Int64
    ) -> ConditionalOutcome {
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

    /// Whether an `If-None-Match`/`If-Match` value (`*` or a list of entity-tags) matches the
    /// current tag. Malformed list members are ignored.
    public static func tagListMatches(_ field: ArraySlice<UInt8>, opaqueTag: [UInt8], weakComparison: Bool) -> Bool {
        let s = FieldBytes.trimmed(field)
        if s.count == 1, s.first == UInt8(ascii: "*") { return true }
        guard let elements = FieldBytes.listElements(s) else { return false }
        for element in elements {
            guard let tag = EntityTag(element) else { continue }
            if tag.weak, !weakComparison { continue }
            if tag.opaque.elementsEqual(opaqueTag) { return true }
        }
        return false
    }

    /// String convenience for tests and callers holding strings.
    public static func evaluateConditionals(
        ifMatch: String? = nil, ifUnmodifiedSince: String? = nil, ifNoneMatch: String? = nil,
        ifModifiedSince: String? = nil, etag: String, lastModified: Int64
    ) -> ConditionalOutcome {
        evaluateConditionals(
            ifMatch: ifMatch.map { ArraySlice($0) }, ifUnmodifiedSince: ifUnmodifiedSince.map { ArraySlice($0) },
            ifNoneMatch: ifNoneMatch.map { ArraySlice($0) }, ifModifiedSince: ifModifiedSince.map { ArraySlice($0) },
            opaqueTag: Array(etag.utf8.filter { $0 != FieldBytes.quote }), lastModified: lastModified)
    }
}

/// `entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE` (RFC 9110 §8.8.3).
struct EntityTag {
    var weak: Bool
    var opaque: ArraySlice<UInt8>

    init?(_ s: ArraySlice<UInt8>) {
        var body = s
        weak = false
        if body.count >= 2, body[body.startIndex] == UInt8(ascii: "W"), body[body.startIndex + 1] == UInt8(ascii: "/") {
            weak = true
            body = body.dropFirst(2)
        }
        guard body.count >= 2, body.first == FieldBytes.quote, body.last == FieldBytes.quote else { return nil }
        opaque = body.dropFirst().dropLast()
        // etagc = %x21 / %x23-7E / obs-text: no DQUOTE, space or control inside.
        guard opaque.allSatisfy({ $0 == 0x21 || $0 >= 0x23 && $0 != 0x7f }) else { return nil }
    }
}

/// HTTP-date field values.
enum HTTPDateField {
    static func parse(_ s: ArraySlice<UInt8>) -> Int64? { HTTPDate.parse(s) }
}
