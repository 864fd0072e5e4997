import HushCore

/// libFuzzer target: the field parsers that choose what to send — Range, Accept-Encoding,
/// If-None-Match / If-Match, If-Range and the conditionals — on arbitrary field values.
///
/// The first eight bytes choose the representation length and which siblings exist; the rest is
/// the field value, given to every parser. Checked beyond "no crash":
/// - a partial range lies inside the representation, and agrees with a plain reference reading
///   of RFC 9110 §14 written here independently;
/// - each parser gives the same answer through the head view the server uses
///   (`Slice<UnsafeRawBufferPointer>`) and through `ArraySlice`, and with extra OWS around the value;
/// - a coding is only chosen when its sibling exists, and removing the other sibling never
///   turns a chosen coding into a different one;
/// - a strong match is also a weak match; `"tag"` built from valid bytes matches that tag;
/// - an HTTP-date that parses survives formatting and parsing again, and as If-Range or
///   If-Modified-Since it matches a Last-Modified equal to it.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNegotiation(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count >= 8 else { return 0 }
    let header = UnsafeBufferPointer(start: data, count: 8)
    let value = Array(UnsafeBufferPointer(start: data + 8, count: count - 8))
    let selector = header[0]
    let raw = header[1...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    // Mostly small lengths (where ranges overlap), sometimes huge ones (overflow edges).
    let length = selector & 0x80 == 0 ? Int(raw % 4096) : Int(truncatingIfNeeded: raw >> 1)
    let hasBrotli = selector & 1 != 0
    let hasGzip = selector & 2 != 0
    let padded = Array(" \t".utf8) + value + Array("\t ".utf8)

    value.withUnsafeBytes { view in
        let field = view[...]
        checkRange(value, view: field, padded: padded, length: length)
        checkCoding(value, view: field, padded: padded, hasBrotli: hasBrotli, hasGzip: hasGzip)
        checkTags(value, view: field)
        checkDates(value, view: field)
    }
    return 0
}

private func checkRange(_ value: [UInt8], view: Slice<UnsafeRawBufferPointer>, padded: [UInt8], length: Int) {
    let decision = FieldNegotiation.range(value[...], length: length)
    require(FieldNegotiation.range(view, length: length) == decision, "Range differs between views")
    require(FieldNegotiation.range(padded[...], length: length) == decision, "Range differs with OWS around it")
    if case .partial(let r) = decision {
        require(r.lowerBound >= 0 && r.upperBound < length, "range \(r) outside a \(length)-byte representation")
    }
    let expected = referenceRange(value, length: length)
    require(
        decision == expected,
        "Range \(String(decoding: value, as: UTF8.self)) on \(length) bytes: \(decision), reference says \(expected)"
    )
}

/// RFC 9110 §14.1–§14.2 read plainly, with Hush's documented choices: invalid → full; more than
/// `maxRanges` members → full; several members → full unless none is satisfiable.
private func referenceRange(_ value: [UInt8], length: Int) -> Negotiation.RangeDecision {
    func isOWS(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    func trim(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, isOWS(f) { s = s.dropFirst() }
        while let l = s.last, isOWS(l) { s = s.dropLast() }
        return s
    }
    func number(_ s: ArraySlice<UInt8>) -> Int? {
        guard !s.isEmpty, s.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var v = 0
        for b in s {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
            if o1 || o2 { return Int.max }
            v = a
        }
        return v
    }
    let s = trim(value[...])
    guard let eq = s.firstIndex(of: UInt8(ascii: "=")),
        String(decoding: s[..<eq], as: UTF8.self).lowercased() == "bytes"
    else { return .full }
    let members = s[(eq + 1)...].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        .map(trim).filter { !$0.isEmpty }
    guard !members.isEmpty, members.count <= Negotiation.maxRanges else { return .full }
    var satisfiable: [ClosedRange<Int>] = []
    for member in members {
        guard let dash = member.firstIndex(of: UInt8(ascii: "-")) else { return .full }
        let first = member[..<dash]
        let last = member[(dash + 1)...]
        if first.isEmpty {
            guard let n = number(last) else { return .full }
            if n > 0 && length > 0 { satisfiable.append(max(0, length - n)...(length - 1)) }
        } else {
            guard let a = number(first) else { return .full }
            var b = Int.max
            if !last.isEmpty {
                guard let parsed = number(last), parsed >= a else { return .full }
                b = parsed
            }
            if a < length { satisfiable.append(a...min(b, length - 1)) }
        }
    }
    if satisfiable.isEmpty { return .unsatisfiable }
    return members.count == 1 ? .partial(satisfiable[0]) : .full
}

private func checkCoding(
    _ value: [UInt8],
    view: Slice<UnsafeRawBufferPointer>,
    padded: [UInt8],
    hasBrotli: Bool,
    hasGzip: Bool
) {
    let available: [ContentCoding] = (hasBrotli ? [.br] : []) + (hasGzip ? [.gzip] : [])
    let chosen = FieldNegotiation.chooseCoding(acceptEncoding: value[...], available: available)
    require(
        FieldNegotiation.chooseCoding(acceptEncoding: view, available: available) == chosen,
        "Accept-Encoding differs between views"
    )
    require(
        FieldNegotiation.chooseCoding(acceptEncoding: padded[...], available: available) == chosen,
        "Accept-Encoding differs with OWS around it"
    )
    require(
        Negotiation.chooseCoding(acceptEncoding: value[...], available: available.reversed()) == chosen,
        "Accept-Encoding depends on the order the siblings are listed in"
    )
    if let chosen {
        require(available.contains(chosen), "\(chosen) chosen without its sibling")
        // Removing another sibling never turns a chosen coding into a different one.
        for other in available where other != chosen {
            require(
                FieldNegotiation.chooseCoding(acceptEncoding: value[...], available: available.filter { $0 != other })
                    == chosen,
                "\(chosen) stopped winning when the \(other) sibling went away"
            )
        }
    }
}

private func checkTags(_ value: [UInt8], view: Slice<UnsafeRawBufferPointer>) {
    // Our tag: the value's bytes that are valid etagc, so a value often names it.
    let opaque = Array(value.filter { $0 == 0x21 || ($0 >= 0x23 && $0 != 0x7f) }.prefix(32))
    for weakComparison in [false, true] {
        let matches = FieldNegotiation.tagListMatches(value[...], opaqueTag: opaque, weakComparison: weakComparison)
        require(
            FieldNegotiation.tagListMatches(view, opaqueTag: opaque, weakComparison: weakComparison) == matches,
            "If-None-Match differs between views"
        )
        if !weakComparison, matches {
            require(
                FieldNegotiation.tagListMatches(value[...], opaqueTag: opaque, weakComparison: true),
                "strong match but no weak match"
            )
        }
    }
    let quoted = [UInt8(ascii: "\"")] + opaque + [UInt8(ascii: "\"")]
    require(
        FieldNegotiation.tagListMatches(quoted[...], opaqueTag: opaque, weakComparison: false),
        "\"tag\" does not match its own tag"
    )
    require(
        FieldNegotiation.ifRangeMatches(quoted[...], opaqueTag: opaque, lastModified: 0),
        "If-Range \"tag\" does not match its own tag"
    )
    let listed = value + Array(", ".utf8) + quoted
    if value.filter({ $0 == UInt8(ascii: "\"") }).count % 2 == 0 {
        // With balanced quotes in front, the appended member stands alone and must match.
        require(
            FieldNegotiation.tagListMatches(listed[...], opaqueTag: opaque, weakComparison: true),
            "a list ending in our tag does not match"
        )
    }
}

private func checkDates(_ value: [UInt8], view: Slice<UnsafeRawBufferPointer>) {
    let parsed = HTTPDate.parse(value)
    require(HTTPDateField.parse(view) == parsed, "HTTP-date differs between views")
    let lastModified = parsed ?? 784_111_777
    let ifRange = FieldNegotiation.ifRangeMatches(value[...], opaqueTag: [], lastModified: lastModified)
    require(
        FieldNegotiation.ifRangeMatches(view, opaqueTag: [], lastModified: lastModified) == ifRange,
        "If-Range differs between views"
    )
    let outcome = FieldNegotiation.evaluateConditionals(
        ifMatch: nil as ArraySlice<UInt8>?,
        ifUnmodifiedSince: value[...],
        ifNoneMatch: nil,
        ifModifiedSince: value[...],
        opaqueTag: [],
        lastModified: lastModified
    )
    require(
        FieldNegotiation.evaluateConditionals(
            ifMatch: nil,
            ifUnmodifiedSince: view,
            ifNoneMatch: nil,
            ifModifiedSince: view,
            opaqueTag: [],
            lastModified: lastModified
        ) == outcome,
        "conditionals differ between views"
    )
    guard let seconds = parsed else { return }
    require(outcome == .notModified, "If-Modified-Since equal to Last-Modified is not 304")
    require(ifRange, "If-Range with the HTTP-date equal to Last-Modified does not match")
    let formatted = HTTPDate.format(epochSeconds: seconds)
    require(
        HTTPDate.parse(formatted) == seconds,
        "HTTP-date \(seconds) does not survive format and parse (\(formatted))"
    )
}
