/// Dictionary-compressed updates (RFC 9842, "Compression Dictionary Transport"): the vocabulary
/// the collector and the server share.
///
/// A browser that holds version N of a hashed bundle (served with `Use-As-Dictionary`) asks for
/// version N+1 with `Available-Dictionary: :<base64 SHA-256 of N>:` and `dcz` in
/// `Accept-Encoding`; the collector has written N+1 compressed with N as a raw zstd prefix, and
/// the server sends that with `Content-Encoding: dcz`.
///
/// On disk a delta sits next to the file it encodes, named for the dictionary it needs:
/// `js/app.<new hash>.js.<dictionary's hash>.dcz`, where both hashes are the 12 hex digits of
/// Django's hashed names and the dictionary is the same original's hashed copy with the other
/// hash (`js/app.<dictionary's hash>.js`). Retention therefore decides from manifests alone
/// whether a delta's target and dictionary are still kept, and the server confirms the
/// dictionary from the SHA-256 in the delta's own 40-byte header.
public enum DictionaryCompression {
    /// The `Content-Encoding` token (RFC 9842 §5, "Dictionary-Compressed Zstandard").
    public static let token = "dcz"
    /// The suffix of a delta file.
    public static let fileSuffix = ".dcz"

    /// RFC 9842 §5: the stream starts with these 8 bytes — a zstd skippable frame header
    /// (magic 0x184D2A5E little-endian, then its length 32, RFC 8878 §3.1.2) — then the 32-byte
    /// SHA-256 of the dictionary, then the zstd frame.
    public static let magic: [UInt8] = [0x5E, 0x2A, 0x4D, 0x18, 0x20, 0x00, 0x00, 0x00]
    /// Magic plus SHA-256: 40 bytes.
    public static let headerLength = 40

    /// The fixed header of a `dcz` stream for a dictionary with SHA-256 `dictionaryHash`.
    public static func header(dictionaryHash: [UInt8]) -> [UInt8] {
        precondition(dictionaryHash.count == 32, "a SHA-256 digest has 32 bytes")
        return magic + dictionaryHash
    }

    /// The dictionary's SHA-256 from the first bytes of a `dcz` stream, or nil when they are not
    /// a `dcz` header.
    public static func dictionaryHash<Bytes: Collection>(inHeader bytes: Bytes) -> [UInt8]?
    where Bytes.Element == UInt8 {
        guard bytes.count >= headerLength, bytes.prefix(magic.count).elementsEqual(magic) else { return nil }
        return Array(bytes.dropFirst(magic.count).prefix(32))
    }

    // MARK: Which files

    /// Extensions (lowercase, no dot) of the files that get deltas and act as dictionaries: the
    /// text a page loads by URL and that changes a little between releases (JS, CSS, JSON, SVG,
    /// HTML, WebAssembly). Images and fonts are compressed formats; a delta gains nothing there.
    public static let extensions: Set<String> = ["js", "mjs", "cjs", "css", "json", "svg", "html", "htm", "wasm"]

    /// Whether the file at `path` may get deltas and advertise itself as a dictionary, by its
    /// extension (ASCII case-insensitive).
    public static func isEligible(_ path: String) -> Bool {
        guard let ext = lowercasedExtension(path) else { return false }
        return extensions.contains(ext)
    }

    /// RFC 9842 §2.1.2 `match-dest`: the Fetch request destination that loads this type, so that
    /// the browser offers the dictionary only for requests of that kind; empty (every destination)
    /// for JSON, SVG and WebAssembly, which `fetch()`, `<img>` and `<object>` load alike.
    public static func matchDestinations(_ path: String) -> [String] {
        switch lowercasedExtension(path) {
        case "js", "mjs", "cjs": return ["script"]
        case "css": return ["style"]
        case "html", "htm": return ["document"]
        default: return []
        }
    }

    private static func lowercasedExtension(_ path: String) -> String? {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        let (_, ext) = HashedName.splitExtension(name)
        guard ext.count > 1 else { return nil }
        return String(ext.dropFirst()).lowercased()
    }

    // MARK: Names on disk

    /// The delta of `target` (a hashed path) against `dictionary` (the same original's hashed copy
    /// with another hash): `target.<dictionary's hash>.dcz`; nil when either carries no hash.
    public static func deltaPath(target: String, dictionary: String) -> String? {
        guard hashRange(in: target) != nil, let range = hashRange(in: dictionary) else { return nil }
        let utf8 = Array(dictionary.utf8)
        return target + "." + String(decoding: utf8[range], as: UTF8.self) + fileSuffix
    }

    /// A delta's target and dictionary paths, from its path; nil for any other name.
    public static func parseDeltaPath(_ path: String) -> (target: String, dictionary: String)? {
        let utf8 = Array(path.utf8)
        let suffix = Array(fileSuffix.utf8)
        let tail = HashedName.hashLength + 1 + suffix.count
        guard utf8.count > tail, utf8.suffix(suffix.count).elementsEqual(suffix) else { return nil }
        let hashStart = utf8.count - suffix.count - HashedName.hashLength
        guard utf8[hashStart - 1] == UInt8(ascii: "."),
            utf8[hashStart..<(hashStart + HashedName.hashLength)].allSatisfy(isLowerHex)
        else { return nil }
        let target = Array(utf8[..<(hashStart - 1)])
        guard let range = hashRange(in: String(decoding: target, as: UTF8.self)) else { return nil }
        var dictionary = target
        dictionary.replaceSubrange(range, with: utf8[hashStart..<(hashStart + HashedName.hashLength)])
        guard dictionary != target else { return nil }
        return (String(decoding: target, as: UTF8.self), String(decoding: dictionary, as: UTF8.self))
    }

    /// The byte range of the 12-digit hash in the last component of a hashed path
    /// (`name.<hash>.ext`, or `name.<hash>` without extension), or nil.
    public static func hashRange(in path: String) -> Range<Int>? {
        let utf8 = Array(path.utf8)
        let nameStart = (utf8.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
        let name = String(decoding: utf8[nameStart...], as: UTF8.self)
        let (root, _) = HashedName.splitExtension(name)
        for end in [nameStart + root.utf8.count, utf8.count] {
            let start = end - HashedName.hashLength
            guard start - 1 > nameStart, utf8[start - 1] == UInt8(ascii: "."),
                utf8[start..<end].allSatisfy(isLowerHex)
            else { continue }
            return start..<end
        }
        return nil
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
    }

    // MARK: What is worth keeping

    /// A delta is kept only when it saves at least 10 % against the smallest other representation
    /// the server could send instead (identity or any sibling): `delta ≤ 0.9 × smallest`, in
    /// integers. Below that the extra file, and the browser's dictionary bookkeeping, are not
    /// worth it.
    public static func keeps(deltaSize: Int64, smallestOther: Int64) -> Bool {
        deltaSize >= 0 && deltaSize * 10 <= smallestOther * 9
    }

    // MARK: The zstd window

    /// The largest window (log2) every `dcz` client must accept for a dictionary of
    /// `dictionarySize` bytes: RFC 9842 §5 — at least 8 MB or 1.25 × the dictionary, whichever
    /// is greater, up to 128 MB — rounded down to a power of two (frame headers state powers of
    /// two, and "8 MB" is read as 8 MiB, RFC 9659's limit for plain zstd, so 23).
    public static func maxWindowLog(dictionarySize: Int64) -> Int {
        let limit = min(max(8 << 20, dictionarySize + dictionarySize / 4), 128 << 20)
        var log = 23
        while log < 27 && (Int64(1) << (log + 1)) <= limit { log += 1 }
        return log
    }

    /// The window (log2) to compress a `contentSize`-byte file against a `dictionarySize`-byte
    /// dictionary: large enough that the whole dictionary stays reachable until the last byte
    /// (zstd forgets prefix bytes further back than the window), never above
    /// ``maxWindowLog(dictionarySize:)`` and never below 10 (zstd's minimum, 1 KiB).
    public static func windowLog(dictionarySize: Int64, contentSize: Int64) -> Int {
        let needed = dictionarySize + contentSize
        var log = 10
        while log < maxWindowLog(dictionarySize: dictionarySize) && (Int64(1) << log) < needed { log += 1 }
        return log
    }

    // MARK: Use-As-Dictionary

    /// The `Use-As-Dictionary` value (RFC 9842 §2.1, an RFC 8941 dictionary) for the hashed file
    /// at `path` below the URL `prefix` (`/static/`), or nil when it is not eligible or carries
    /// no hash.
    ///
    /// `match` is the file's own URL with its hash replaced by `*` (`/static/js/app.*.js`), so it
    /// covers every later version of the same original; URLPattern's special characters in the
    /// rest are escaped with `\` so they match themselves, and the characters a URL parser
    /// percent-encodes are percent-encoded as a browser's request URL has them. `match-dest` is
    /// from ``matchDestinations(_:)``; `type` is left at its default, `raw`.
    public static func useAsDictionary(prefix: String, path: String) -> String? {
        guard isEligible(path), let range = hashRange(in: path) else { return nil }
        let utf8 = Array(path.utf8)
        let pattern =
            urlPatternLiteral(Array(prefix.utf8) + utf8[..<range.lowerBound]) + "*"
            + urlPatternLiteral(Array(utf8[range.upperBound...]))
        let destinations = matchDestinations(path).map { "\"" + $0 + "\"" }.joined(separator: " ")
        return "match=\"" + structuredString(pattern) + "\", match-dest=(" + destinations + ")"
    }

    /// `bytes` as a URLPattern pathname literal: percent-encoded like the URL parser's path
    /// percent-encode set (WHATWG URL §1.3: C0 controls, space, `"` `#` `<` `>` `?` `` ` `` `{`
    /// `}`, non-ASCII) plus `%` itself, then URLPattern's syntax characters escaped with `\`.
    static func urlPatternLiteral<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let percentEncoded: Set<UInt8> = Set(" \"#<>?`{}%".utf8)
        let special: Set<UInt8> = Set("*+?():{}\\".utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            if byte < 0x20 || byte >= 0x7F || percentEncoded.contains(byte) {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            } else {
                if special.contains(byte) { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The content of an RFC 8941 §3.3.3 sf-string for printable-ASCII `text`: `\` and `"`
    /// escaped.
    static func structuredString(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "\\" || character == "\"" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    // MARK: Available-Dictionary

    /// The SHA-256 an `Available-Dictionary` value names (RFC 9842 §2.2: an RFC 8941 §3.3.5
    /// byte sequence, `:` base64 `:`), or nil when the value is not one of 32 bytes.
    public static func availableDictionary<Bytes: BidirectionalCollection>(_ value: Bytes) -> [UInt8]?
    where Bytes.Element == UInt8 {
        guard value.count >= 2, value.first == UInt8(ascii: ":"), value.last == UInt8(ascii: ":") else { return nil }
        guard let bytes = Base64.decode(value.dropFirst().dropLast()), bytes.count == 32 else { return nil }
        return bytes
    }
}

extension Base64 {
    /// The bytes of standard base64 text (RFC 4648 §4); `=` padding optional, as RFC 8941 §3.3.5
    /// asks parsers to accept. Nil for any other character or a misplaced `=`.
    public static func decode<Text: Collection>(_ text: Text) -> [UInt8]? where Text.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3 + 2)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        guard padding <= 2, bits < 6 else { return nil }
        return out
    }
}
