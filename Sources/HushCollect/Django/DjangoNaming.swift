import HushCore

/// What a reference resolves to in the collected tree, as Django's storage sees STATIC_ROOT
/// after copying: collected files (by their normalized name) and the directories holding them.
enum TreeEntry: Sendable, Equatable {
    /// A collected file, with the MD5-based hash of its original content.
    case file(originalHash: String)
    case directory
    case missing
    /// The path climbs out of STATIC_ROOT (Django raises `SuspiciousFileOperation`).
    case outside
}

/// How names are looked up while rewriting one file.
protocol HashedNameLookup {
    /// `hashed_files.get(key)`: the final hashed name of the collected file named `key`.
    func hashedName(ofCollected key: String) throws(ReferenceFailure) -> String?
    /// The tree entry at a normalized relative path.
    func entry(at path: String) -> TreeEntry
}

/// Why a reference could not be resolved; the rewriter adds file and line.
enum ReferenceFailure: Error, Equatable {
    case missing(target: String)
    case outside(target: String)
    case unsupported(String)
    /// A dependency on a file whose final name is not known yet (used to discover the order).
    case pending(String)
}

/// Django's `HashedFilesMixin` / `FileSystemStorage` naming, step by step.
struct DjangoNaming: Sendable {
    /// STATIC_URL, ending with `/`.
    let staticURL: String

    /// `hashed_name(name, content)` with the content's hash already computed.
    static func hashedName(_ name: String, hash: String) -> String {
        let parsed = PythonURL.urlsplit(PythonURL.unquote(name))
        let cleanName = PythonString.strip(parsed.path)
        let (directory, fileName) = PosixPath.split(cleanName)
        let (root, ext) = HashedName.splitExtension(fileName)
        var unparsed = parsed
        unparsed.path = PosixPath.join(directory, root + "." + hash + ext)
        if PythonString.contains(name, substring: "?#") && unparsed.query.isEmpty { unparsed.path += "?" }
        return PythonURL.urlunsplit(unparsed)
    }

    /// `hashed_name(name)` without content: hash the file already in STATIC_ROOT.
    func hashedNameOfExisting(_ name: String, lookup: some HashedNameLookup) throws(ReferenceFailure) -> String {
        let parsed = PythonURL.urlsplit(PythonURL.unquote(name))
        let cleanName = PythonString.strip(parsed.path)
        guard let path = Self.storagePath(cleanName) else { throw .outside(target: cleanName) }
        switch lookup.entry(at: path) {
        case .missing: throw .missing(target: cleanName)
        case .outside: throw .outside(target: cleanName)
        case .directory: return name  // Django: opening a directory fails with OSError → name kept.
        case .file(let hash): return Self.hashedName(name, hash: hash)
        }
    }

    /// `FileSystemStorage.path` relative to the root: `abspath(join(root, name))` minus the root,
    /// or nil where Django's `safe_join` refuses the name (absolute, or climbing out with `..`).
    static func storagePath(_ name: String) -> String? {
        if PythonString.hasPrefix(name, "/") { return nil }
        let normalized = PosixPath.normpath(name)
        if normalized == "." { return "" }
        if normalized == ".." || PythonString.hasPrefix(normalized, "../") { return nil }
        return normalized
    }

    /// `_stored_name(name, hashed_files)`.
    func storedName(_ name: String, lookup: some HashedNameLookup) throws(ReferenceFailure) -> String {
        let normalized = PosixPath.normpath(name)
        let key = PythonString.replaceBackslashes(normalized)
        if let cached = try lookup.hashedName(ofCollected: key) { return cached }
        return PythonString.replaceBackslashes(try hashedNameOfExisting(normalized, lookup: lookup))
    }

    /// `FileSystemStorage.url(name)`: `urljoin(base_url, filepath_to_uri(name).lstrip("/"))`.
    func storageURL(_ name: String) -> String {
        var uri = PythonURL.quote(PythonString.replaceBackslashes(name), safe: "/~!*()'")
        while uri.hasPrefix("/") { uri.removeFirst() }
        return PythonURL.urljoin(staticURL, uri)
    }

    /// `_url(self._stored_name, name, force=True, hashed_files=…)`.
    func url(_ name: String, lookup: some HashedNameLookup) throws(ReferenceFailure) -> String {
        let (cleanName, fragment) = PythonURL.urldefrag(name)
        let hashedName: String
        if PythonString.hasSuffix(PythonURL.urlsplit(cleanName).path, "/") {
            hashedName = name
        } else {
            hashedName = try storedName(cleanName, lookup: lookup)
        }
        var finalURL = storageURL(hashedName)
        let queryFragment = PythonString.contains(name, substring: "?#")
        if !fragment.isEmpty || queryFragment {
            var parts = PythonURL.urlsplit(finalURL)
            if !fragment.isEmpty && parts.fragment.isEmpty { parts.fragment = fragment }
            if queryFragment && parts.query.isEmpty { parts.path += "?" }
            finalURL = PythonURL.urlunsplit(parts)
        }
        return PythonURL.unquote(finalURL)
    }
}
