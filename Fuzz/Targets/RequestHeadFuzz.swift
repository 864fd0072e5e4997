/// libFuzzer target: the request-head parser (RequestParser) and the request-target resolver
/// (RequestPath) on arbitrary bytes, as a connection hands them over.
///
/// Beyond "no crash", checked on every input:
/// - a complete head consumed at least one and at most all of the bytes, and every field range
///   lies inside the parser's scratch copy (the server slices both by these numbers);
/// - the verdict does not depend on how the bytes arrived: any shorter prefix of a complete head
///   is incomplete, and bytes after it (a pipelined request) change nothing;
/// - a failure stays a failure when more bytes follow (the server has answered and closed);
/// - parsing is deterministic;
/// - a resolved path has no `.`/`..` segment, NUL or backslash, is valid UTF-8, and is the same
///   through the head view the server uses and through `ArraySlice`.

private let pipelined = Array("GET /static/b HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
private let prefix = Array("/static/".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestHead(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: count))
    var scratch: [UInt8] = []
    let result = input.withUnsafeBytes { RequestParser.parse($0, reusing: &scratch) }
    var again: [UInt8] = []
    let repeated = input.withUnsafeBytes { RequestParser.parse($0, reusing: &again) }
    require(describe(result, scratch) == describe(repeated, again), "parsing the same bytes twice differs")

    switch result {
    case .incomplete:
        break
    case .failure(let failure):
        var extended: [UInt8] = []
        let longer = (input + pipelined).withUnsafeBytes { RequestParser.parse($0, reusing: &extended) }
        if case .failure = longer {
        } else {
            require(false, "failure \(failure) became \(describe(longer, extended)) with more bytes")
        }
    case .complete(let head, let consumed):
        require(consumed > 0 && consumed <= count, "consumed \(consumed) of \(count) bytes")
        checkRanges(head, within: scratch.count)
        require(!head.target.isEmpty && !head.methodText.isEmpty, "empty method or target")
        // A prefix shorter than the head is incomplete, whatever the split.
        for cut in Set([consumed - 1, consumed / 2, Int(input[0]) % consumed]) where cut >= 0 && cut < consumed {
            var partial: [UInt8] = []
            let early = input[..<cut].withUnsafeBytes { RequestParser.parse($0, reusing: &partial) }
            guard case .incomplete = early else {
                require(false, "prefix of \(cut) of a \(consumed)-byte head gave \(describe(early, partial))")
                return 0
            }
        }
        var extended: [UInt8] = []
        let longer = (input + pipelined).withUnsafeBytes { RequestParser.parse($0, reusing: &extended) }
        require(describe(longer, extended) == describe(result, scratch), "bytes after a complete head changed it")
        checkPath(scratch[head.target], scratch: scratch, range: head.target)
    }
    return 0
}

private func checkRanges(_ head: RequestHead, within count: Int) {
    let ranges: [Range<Int>?] = [
        head.methodText, head.target, head.host, head.acceptEncoding, head.range,
        head.ifRange, head.ifNoneMatch, head.ifModifiedSince, head.ifMatch, head.ifUnmodifiedSince,
    ]
    for case let range? in ranges {
        require(range.lowerBound >= 0 && range.upperBound <= count, "field range \(range) outside a \(count)-byte head")
    }
}

private func checkPath(_ target: ArraySlice<UInt8>, scratch: [UInt8], range: Range<Int>) {
    let viaSlice = summary(RequestPath.locate(target: target, prefix: prefix))
    let viaView = scratch.withUnsafeBytes { summary(RequestPath.locate(target: $0[range], prefix: prefix)) }
    require(viaSlice == viaView, "RequestPath differs between ArraySlice and the head view: \(viaSlice) vs \(viaView)")
    guard let relative = viaSlice.relative else { return }
    require(!relative.contains(0) && !relative.contains(UInt8(ascii: "\\")), "NUL or backslash in a resolved path")
    require(String(validating: relative, as: UTF8.self) != nil, "resolved path is not UTF-8")
    for segment in relative.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
        require(!segment.elementsEqual(".".utf8) && !segment.elementsEqual("..".utf8), "dot segment in a resolved path")
    }
}

/// A comparable rendering of a parse result with its field bytes.
private func describe(_ result: RequestParser.Outcome, _ scratch: [UInt8]) -> String {
    switch result {
    case .incomplete: return "incomplete"
    case .failure(let failure): return "failure(\(failure))"
    case .complete(let head, let consumed):
        func text(_ range: Range<Int>?) -> String {
            guard let range, range.lowerBound >= 0, range.upperBound <= scratch.count else {
                return range == nil ? "-" : "OUT"
            }
            return String(decoding: scratch[range], as: UTF8.self)
        }
        return
            "complete(\(consumed)) \(head.method) \(text(head.methodText)) \(text(head.target)) 1.\(head.versionMinor) "
            + [
                head.host, head.acceptEncoding, head.range, head.ifRange, head.ifNoneMatch, head.ifModifiedSince,
                head.ifMatch, head.ifUnmodifiedSince,
            ].map(text).joined(separator: "|")
            + " \(head.connectionClose) \(head.connectionKeepAlive) \(String(describing: head.contentLength)) \(head.hasTransferEncoding)"
    }
}

private struct PathSummary: Equatable, CustomStringConvertible {
    var kind: String
    var relative: [UInt8]?
    var query: [UInt8]
    var description: String {
        "\(kind) \(relative.map { String(decoding: $0, as: UTF8.self) } ?? "-") ?\(String(decoding: query, as: UTF8.self))"
    }
}

private func summary<Bytes: FieldValueBytes>(_ location: RequestPath.Location<Bytes>) -> PathSummary {
    switch location {
    case .path(let relative, let query, _):
        return PathSummary(kind: "path", relative: Array(relative), query: Array(query))
    case .decodedPath(let relative, let query, _):
        return PathSummary(kind: "path", relative: relative, query: Array(query))
    case .prefixWithoutSlash(let query): return PathSummary(kind: "redirect", relative: nil, query: Array(query))
    case .notFound: return PathSummary(kind: "notFound", relative: nil, query: [])
    case .badRequest: return PathSummary(kind: "badRequest", relative: nil, query: [])
    }
}
