import Foundation

/// `hush-manifest.json`: for every collected file, the facts a build tool or template needs to
/// reference it — its hashed name, size, media type, Subresource Integrity value and the sizes of
/// its pre-compressed siblings.
///
/// The format is stable and documented field by field in `docs/hush-manifest.md`. The bytes are
/// deterministic: keys sorted by code point, two-space indentation, non-ASCII escaped as
/// `\uXXXX`, a final newline — exactly what Python's
/// `json.dumps(obj, indent=2, sort_keys=True) + "\n"` writes for the same object.
public struct IntegrityManifest: Sendable, Equatable {
    /// The file name in STATIC_ROOT.
    public static let fileName = "hush-manifest.json"
    /// The format version this code writes and reads. A reader must reject other versions.
    public static let version = 1

    /// Original relative path (the key of Django's `staticfiles.json`, `/`-separated) → entry.
    public var files: [String: IntegrityEntry]

    public init(files: [String: IntegrityEntry] = [:]) {
        self.files = files
    }

    /// The file's exact bytes.
    public func encoded() -> [UInt8] {
        var out = "{\n  \"files\": {"
        let sorted = files.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        for (index, (path, entry)) in sorted.enumerated() {
            out += index == 0 ? "\n" : ",\n"
            out += "    " + PythonJSON.string(path) + ": {\n"
            // One key per coding of the table (its token), beside the fixed ones.
            var fields: [(key: String, value: String)] = [
                ("contentType", PythonJSON.string(entry.contentType)),
                ("hashed", PythonJSON.string(entry.hashedName)),
                ("integrity", PythonJSON.string(entry.integrity)),
                ("size", String(entry.size)),
            ]
            for coding in ContentCoding.allCases {
                fields.append((coding.token, Self.number(entry.compressedSizes[coding])))
            }
            fields.sort { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            out += fields.map { "      \"\($0.key)\": \($0.value)" }.joined(separator: ",\n") + "\n"
            out += "    }"
        }
        out += sorted.isEmpty ? "},\n" : "\n  },\n"
        out += "  \"version\": \(Self.version)\n}\n"
        return Array(out.utf8)
    }

    private static func number(_ value: Int64?) -> String {
        value.map { String($0) } ?? "null"
    }

    /// Reads a `hush-manifest.json` of version ``version``. Unknown extra keys are ignored (a
    /// later addition must not break older readers); missing or mistyped fields are errors.
    public static func decode(_ bytes: [UInt8]) throws(IntegrityManifestError) -> IntegrityManifest {
        let data = Data(bytes)
        let decoder = JSONDecoder()
        let version: Int
        do {
            version = try decoder.decode(VersionWire.self, from: data).version
        } catch {
            throw .malformed("not valid JSON, or no integer \"version\"")
        }
        guard version == Self.version else {
            throw .malformed("unsupported \"version\" \(version) (this reader understands \(Self.version))")
        }
        let wire: ManifestWire
        do {
            wire = try decoder.decode(ManifestWire.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .malformed("\(Self.location(context.codingPath)): missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .malformed("\(Self.location(context.codingPath)): wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .malformed("\(Self.location(context.codingPath)): null where a value is required")
        } catch {
            throw .malformed("unreadable (\(error))")
        }
        var files: [String: IntegrityEntry] = [:]
        for (path, entry) in wire.files {
            if entry.size < 0 { throw .malformed("\"\(path)\": \"size\" is negative") }
            for coding in ContentCoding.allCases where (entry.compressed[coding] ?? 0) < 0 {
                throw .malformed("\"\(path)\": \"\(coding.token)\" is negative")
            }
            files[path] = IntegrityEntry(
                hashedName: entry.hashed,
                size: entry.size,
                contentType: entry.contentType,
                integrity: entry.integrity,
                compressedSizes: entry.compressed
            )
        }
        return IntegrityManifest(files: files)
    }

    private static func location(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "top level" : path.map { "\"\($0.stringValue)\"" }.joined(separator: " → ")
    }
}

// The wire shapes for reading. JSONDecoder is strict where it matters: `true` or `1.5` is not an
// Int64, and a missing key is an error unless the property is optional.
private struct VersionWire: Decodable {
    let version: Int
}

private struct ManifestWire: Decodable {
    let files: [String: EntryWire]
}

private struct EntryWire: Decodable {
    let hashed: String
    let size: Int64
    let contentType: String
    let integrity: String
    /// The sibling sizes, keyed in the file by coding token; an absent key reads as null.
    let compressed: [ContentCoding: Int64]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        hashed = try container.decode(String.self, forKey: Key("hashed"))
        size = try container.decode(Int64.self, forKey: Key("size"))
        contentType = try container.decode(String.self, forKey: Key("contentType"))
        integrity = try container.decode(String.self, forKey: Key("integrity"))
        var compressed: [ContentCoding: Int64] = [:]
        for coding in ContentCoding.allCases {
            compressed[coding] = try container.decodeIfPresent(Int64.self, forKey: Key(coding.token))
        }
        self.compressed = compressed
    }
}

/// One file's line in ``IntegrityManifest``. Every field describes the file published under
/// ``hashedName`` (whose content may differ from the unhashed copy's, after reference rewriting).
public struct IntegrityEntry: Sendable, Equatable {
    /// The hashed relative path, as in `staticfiles.json` (`css/app.4f3a2b1c9d8e.css`).
    public var hashedName: String
    /// Size in bytes of the uncompressed file.
    public var size: Int64
    /// The `Content-Type` the server sends for it (`text/css; charset=utf-8`).
    public var contentType: String
    /// Its Subresource Integrity value, `sha384-` + base64 (see ``SHA384/subresourceIntegrity``).
    public var integrity: String
    /// Sizes in bytes of the siblings kept on disk (`FILE.br`, `FILE.zst`, `FILE.gz`); a coding is absent
    /// when no sibling was kept (skipped type, not worth it, or disabled).
    public var compressedSizes: [ContentCoding: Int64]

    public init(
        hashedName: String,
        size: Int64,
        contentType: String,
        integrity: String,
        compressedSizes: [ContentCoding: Int64] = [:]
    ) {
        self.hashedName = hashedName
        self.size = size
        self.contentType = contentType
        self.integrity = integrity
        self.compressedSizes = compressedSizes
    }
}

/// Why a `hush-manifest.json` could not be read.
public enum IntegrityManifestError: Error, Equatable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "\(IntegrityManifest.fileName): \(why)"
        }
    }
}
