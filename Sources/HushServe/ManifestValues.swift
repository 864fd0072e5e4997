import HushCore

/// The hashed names of a `staticfiles.json` (the values of its `paths`), read in one pass over
/// the bytes with no JSON tree and no string per name: at start-up a manifest of 100,000 entries
/// took 0.4 s through the general parser, most of the scan's time. Anything this reader does not
/// expect (not an object, a `paths` value that is not a string, an unsupported `version`, bad
/// JSON) returns nil, and the caller falls back to ``Manifest/decode(_:)``, which gives the same
/// answer or the error.
enum ManifestValues {
    /// A manifest's hashed names, back to back in one byte array: no string per name.
    struct Names {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []

        /// From names given as strings (what the general parser returns).
        init<S: Sequence<String>>(_ names: S) {
            for name in names {
                let start = bytes.count
                bytes.append(contentsOf: name.utf8)
                ranges.append(start..<bytes.count)
            }
        }

        init(bytes: [UInt8], ranges: [Range<Int>]) {
            self.bytes = bytes
            self.ranges = ranges
        }

        /// Each name's UTF-8 bytes, in the manifest's order.
        func forEachName(_ body: (UnsafeRawBufferPointer) -> Void) {
            bytes.withUnsafeBytes { all in
                for range in ranges { body(UnsafeRawBufferPointer(rebasing: all[range])) }
            }
        }

        /// The names decoded (for tests and messages).
        var strings: [String] { ranges.map { String(decoding: bytes[$0], as: UTF8.self) } }
    }

    /// The manifest's hashed names, or nil when the reader does not take this manifest.
    static func read(_ bytes: [UInt8]) -> Names? {
        bytes.withUnsafeBytes { raw in
            var reader = Reader(b: raw)
            guard reader.manifest() else { return nil }
            return Names(bytes: reader.names, ranges: reader.ranges)
        }
    }

    private struct Reader {
        let b: UnsafeRawBufferPointer
        var i = 0
        /// The hashed names' bytes, back to back, and where each lies.
        var names: [UInt8] = []
        var ranges: [Range<Int>] = []

        mutating func manifest() -> Bool {
            space()
            guard take(UInt8(ascii: "{")) else { return false }
            // About 70 bytes per entry in Django's format: one allocation instead of a dozen resizes.
            ranges.reserveCapacity(b.count / 70)
            names.reserveCapacity(b.count / 2)
            var version: String?
            var first = true
            while true {
                space()
                if take(UInt8(ascii: "}")) { break }
                if !first {
                    guard take(UInt8(ascii: ",")) else { return false }
                    space()
                }
                first = false
                guard let key = string() else { return false }
                space()
                guard take(UInt8(ascii: ":")) else { return false }
                space()
                switch key {
                case "paths":
                    guard paths() else { return false }
                case "version":
                    guard let v = string() else { return false }
                    version = v
                default:
                    guard skipValue() else { return false }
                }
            }
            space()
            return i == b.count && (version == "1.0" || version == "1.1")
        }

        mutating func paths() -> Bool {
            guard take(UInt8(ascii: "{")) else { return false }
            var first = true
            while true {
                space()
                if take(UInt8(ascii: "}")) { return true }
                if !first {
                    guard take(UInt8(ascii: ",")) else { return false }
                    space()
                }
                first = false
                // The original name is not needed, only checked.
                guard plainString() != nil || string() != nil else { return false }
                space()
                guard take(UInt8(ascii: ":")) else { return false }
                space()
                let start = names.count
                if let plain = plainString() {
                    names.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[plain]))
                } else {
                    guard let value = string() else { return false }
                    names.append(contentsOf: value.utf8)
                }
                ranges.append(start..<names.count)
            }
        }

        mutating func skipValue() -> Bool {
            guard i < b.count else { return false }
            switch b[i] {
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let open = b[i]
                let close = open == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                i += 1
                var first = true
                while true {
                    space()
                    if take(close) { return true }
                    if !first {
                        guard take(UInt8(ascii: ",")) else { return false }
                        space()
                    }
                    first = false
                    if open == UInt8(ascii: "{") {
                        guard string() != nil else { return false }
                        space()
                        guard take(UInt8(ascii: ":")) else { return false }
                        space()
                    }
                    guard skipValue() else { return false }
                }
            default:
                // A number or a literal: its characters up to the next delimiter.
                let start = i
                while i < b.count, !Self.isDelimiter(b[i]) { i += 1 }
                return i > start
            }
        }

        /// A JSON string of printable ASCII with no escapes, as most names in a manifest are:
        /// where its bytes lie, passed over, with no string built. Anything else leaves the reader
        /// where it was and returns nil, for ``string()`` to read (and check) it.
        mutating func plainString() -> Range<Int>? {
            let quote = i
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20, b[i] < 0x80 {
                i += 1
            }
            let end = i
            if take(UInt8(ascii: "\"")) { return start..<end }
            i = quote
            return nil
        }

        /// A JSON string (RFC 8259 §7), unescaped; nil when malformed.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            // Fast path: no escapes.
            while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: "\"") {
                defer { i += 1 }
                return String(validating: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            }
            var out = Array(b[start..<i])
            while i < b.count {
                let c = b[i]
                i += 1
                switch c {
                case UInt8(ascii: "\""): return String(validating: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard i < b.count else { return nil }
                    let e = b[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0c)
                    case UInt8(ascii: "n"): out.append(0x0a)
                    case UInt8(ascii: "r"): out.append(0x0d)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var scalar = hex4() else { return nil }
                        if (0xd800..<0xdc00).contains(scalar) {
                            guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(),
                                (0xdc00..<0xe000).contains(low)
                            else { return nil }
                            scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                        }
                        guard let u = Unicode.Scalar(scalar) else { return nil }
                        out += Array(String(Character(u)).utf8)
                    default: return nil
                    }
                default:
                    guard c >= 0x20 else { return nil }
                    out.append(c)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= b.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                i += 1
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v << 4 | UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v << 4 | UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): v = v << 4 | UInt32(c - UInt8(ascii: "A") + 10)
                default: return nil
                }
            }
            return v
        }

        mutating func take(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }

        mutating func space() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0a || b[i] == 0x0d || b[i] == 0x09 { i += 1 }
        }

        static func isDelimiter(_ c: UInt8) -> Bool {
            c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20 || c == 0x0a
                || c == 0x0d || c == 0x09
        }
    }
}
