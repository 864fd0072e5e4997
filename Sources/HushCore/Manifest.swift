/// Django's `staticfiles.json`, as `ManifestStaticFilesStorage` writes and reads it.
///
/// The bytes Hush writes are those of Django 6.1's `save_manifest()`: `json.dumps` of
/// `{"paths": …, "version": "1.1", "hash": …}` with the paths sorted by name, Python's default
/// separators (`", "`, `": "`) and `ensure_ascii` escaping. A Django project pointed at a Hush
/// STATIC_ROOT therefore loads the manifest unchanged and resolves `{% static %}` identically.
public struct Manifest: Sendable, Equatable {
    /// The manifest format version Django writes (`manifest_version`).
    public static let version = "1.1"
    /// The file name Django reads (`manifest_name`).
    public static let fileName = "staticfiles.json"

    /// (original relative path, hashed relative path), `/`-separated, sorted as Python sorts
    /// `str` keys: by code point, i.e. UTF-8 byte order. Names are compared by their exact code
    /// points, as Python does: the NFC and NFD spellings of `café` are two different files.
    public private(set) var entries: [(key: String, value: String)]

    /// A manifest of `entries`; a repeated key (same code points) keeps its first value.
    public init(entries: [(key: String, value: String)]) {
        var seen = Set<[UInt8]>()
        self.entries =
            entries
            .filter { seen.insert(Array($0.key.utf8)).inserted }
            .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
    }

    public init(paths: [String: String]) {
        self.init(entries: paths.map { (key: $0.key, value: $0.value) })
    }

    /// The mapping as a dictionary (Swift compares keys by canonical equivalence, so NFC/NFD
    /// twins collapse here; use ``entries`` where that matters).
    public var paths: [String: String] {
        Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    public static func == (lhs: Manifest, rhs: Manifest) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy {
                Array($0.key.utf8) == Array($1.key.utf8) && Array($0.value.utf8) == Array($1.value.utf8)
            }
    }

    /// The entries sorted as Python sorts `str` keys: by code point, which is UTF-8 byte order.
    public var sortedEntries: [(key: String, value: String)] { entries }

    /// Django's manifest hash: the first 12 hex digits of the MD5 of
    /// `json.dumps(sorted(paths.items()))`.
    public var hash: String {
        var list = "["
        for (index, entry) in sortedEntries.enumerated() {
            if index > 0 { list += ", " }
            list += "[" + PythonJSON.string(entry.key) + ", " + PythonJSON.string(entry.value) + "]"
        }
        list += "]"
        return String(MD5.hex(Array(list.utf8)).prefix(12))
    }

    /// The manifest file's exact bytes.
    public func encoded() -> [UInt8] {
        var out = "{\"paths\": {"
        for (index, entry) in sortedEntries.enumerated() {
            if index > 0 { out += ", " }
            out += PythonJSON.string(entry.key) + ": " + PythonJSON.string(entry.value)
        }
        out += "}, \"version\": \"\(Self.version)\", \"hash\": \"\(hash)\"}"
        return Array(out.utf8)
    }

    /// Reads a manifest written by Hush or Django (versions 1.0 and 1.1, as Django accepts),
    /// keeping names exactly as written.
    public static func decode(_ bytes: [UInt8]) throws(ManifestError) -> Manifest {
        guard let root = OrderedJSON.parse(bytes) else { throw .malformed("not valid JSON") }
        guard case .object = root else { throw .malformed("the top level is not an object") }
        guard case .string(let version)? = root["version"], version == "1.0" || version == "1.1" else {
            throw .malformed("unsupported or missing \"version\" (Django reads 1.0 and 1.1)")
        }
        guard case .object(let members)? = root["paths"] else { return Manifest(entries: []) }
        var entries: [(key: String, value: String)] = []
        for (key, value) in members {
            guard case .string(let hashed) = value else { throw .malformed("the entry for \"\(key)\" is not a string") }
            entries.append((key, hashed))
        }
        return Manifest(entries: entries)
    }
}

/// Why a manifest could not be read.
public enum ManifestError: Error, Equatable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "\(Manifest.fileName): \(why)"
        }
    }
}

/// JSON string encoding exactly as Python's `json.dumps` writes it with `ensure_ascii=True`.
public enum PythonJSON {
    private static let hex = Array("0123456789abcdef".utf8)

    /// `value` as a quoted JSON string literal, non-ASCII escaped as lowercase `\uXXXX`
    /// (surrogate pairs above the BMP), as CPython's `py_encode_basestring_ascii` does.
    public static func string(_ value: String) -> String {
        var out: [UInt8] = [0x22]
        out.reserveCapacity(value.utf8.count + 2)
        for unit in value.utf16 {
            switch unit {
            case 0x22: out += [0x5c, 0x22]
            case 0x5c: out += [0x5c, 0x5c]
            case 0x0a: out += [0x5c, 0x6e]
            case 0x0d: out += [0x5c, 0x72]
            case 0x09: out += [0x5c, 0x74]
            case 0x08: out += [0x5c, 0x62]
            case 0x0c: out += [0x5c, 0x66]
            case 0x20...0x7e: out.append(UInt8(unit))
            default:
                out += [0x5c, 0x75]
                for shift in [12, 8, 4, 0] { out.append(hex[Int((unit >> UInt16(shift)) & 0xf)]) }
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }
}
