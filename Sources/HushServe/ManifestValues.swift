import HushCore

/// The hashed names of a `staticfiles.json` (the values of its `paths`), read in one pass over
/// the bytes with no JSON tree: at start-up a manifest of 100,000 entries took 0.4 s through the
/// general parser, most of the scan's time. Anything this reader does not expect (not an object,
/// a `paths` value that is not a string, an unsupported `version`, bad JSON) returns nil, and the
/// caller falls back to ``Manifest/decode(_:)``, which gives the same answer or the error.
enum ManifestValues {
    static func read(_ bytes: [UInt8]) -> Set<String>? {
        bytes.withUnsafeBytes { raw in
            var reader = Reader(b: raw)
            return reader.manifest()
        }
    }

    private struct Reader {
        let b: UnsafeRawBufferPointer
        var i = 0

        mutating func manifest() -> Set<String>? {
            space()
            guard take(UInt8(ascii: "{")) else { return nil }
            var values: Set<String> = []
            // About 70 bytes per entry in Django's format: one allocation instead of a dozen resizes.
            values.reserveCapacity(b.count / 70)
            var version: String?
            var first = true
            while true {
                space()
                if take(UInt8(ascii: "}")) { break }
                if !first {
                    guard take(UInt8(ascii: ",")) else { return nil }
                    space()
                }
                first = false
                guard let key = string() else { return nil }
                space()
                guard take(UInt8(ascii: ":")) else { return nil }
                space()
                switch key {
                case "paths":
                    guard paths(into: &values) else { return nil }
                case "version":
                    guard let v = string() else { return nil }
                    version = v
                default:
                    guard skipValue() else { return nil }
                }
            }
            space()
            guard i == b.count, version == "1.0" || version == "1.1" else { return nil }
            return values
        }

        mutating func paths(into values: inout Set<String>) -> Bool {
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
                guard string() != nil else { return false }
                space()
                guard take(UInt8(ascii: ":")) else { return false }
                space()
                guard let value = string() else { return false }
                values.insert(value)
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
