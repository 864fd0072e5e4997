import HushCore

extension Negotiation {
    /// Whether a request may get a dictionary-compressed delta (RFC 9842 §6): `dcz` is named in
    /// `Accept-Encoding` with a q above 0 and no other coding is preferred to it. A `*` does not
    /// count: decoding `dcz` needs the client's dictionary store, which only a client that names
    /// it has. A delta is by construction at least 10 % smaller than anything else the server
    /// could send, so among equal q-values it wins.
    public static func acceptsDictionaryCoding(_ acceptEncoding: String?) -> Bool {
        FieldNegotiation.acceptsDictionaryCoding(acceptEncoding.map { ArraySlice($0) })
    }

    /// The delta, among `deltas`, made against the dictionary an `Available-Dictionary` value
    /// names (RFC 9842 §2.2); nil when the value is malformed or names none of them — the request
    /// is then negotiated as if it had not been sent.
    public static func delta(forAvailableDictionary value: String, in deltas: [DictionaryDelta]) -> Representation? {
        FieldNegotiation.delta(forAvailableDictionary: ArraySlice(value), in: deltas)
    }
}

extension FieldNegotiation {
    static func acceptsDictionaryCoding<Bytes: FieldValueBytes>(_ acceptEncoding: Bytes?) -> Bool {
        guard let field = acceptEncoding else { return false }
        var dcz = -1
        var best = 0
        var start = field.startIndex
        while start < field.endIndex {
            var end = start
            while end < field.endIndex, field[end] != FieldBytes.comma { end += 1 }
            let element = FieldBytes.trimmed(field[start..<end])
            start = end + 1
            guard !element.isEmpty, let (name, q) = codingAndWeight(element) else { continue }
            if FieldBytes.equalsLowercase(name, "dcz") {
                dcz = max(dcz, q)
            } else if !FieldBytes.equalsLowercase(name, "*") && !FieldBytes.equalsLowercase(name, "identity") {
                best = max(best, q)
            }
        }
        return dcz > 0 && dcz >= best
    }

    static func delta<Bytes: FieldValueBytes>(
        forAvailableDictionary value: Bytes,
        in deltas: [DictionaryDelta]
    ) -> Representation? {
        guard let hash = DictionaryCompression.availableDictionary(value) else { return nil }
        return deltas.first { $0.dictionaryHash == hash }?.representation
    }
}
