/// File names carrying a content hash, as Django's `HashedFilesMixin.hashed_name` forms them:
/// `dir/name.<12 hex>.ext`.
public enum HashedName {
    /// How many hex digits of the MD5 Django keeps in a name.
    public static let hashLength = 12

    /// Splits a file name as Python's `os.path.splitext` does: the extension starts at the last
    /// dot, unless every dot before it is leading (`.bashrc` has no extension).
    public static func splitExtension(_ fileName: String) -> (root: String, ext: String) {
        let scalars = Array(fileName.unicodeScalars)
        guard let dot = scalars.lastIndex(of: ".") else { return (fileName, "") }
        let leadingDots = scalars.prefix { $0 == "." }.count
        guard dot >= leadingDots else { return (fileName, "") }
        var root = String.UnicodeScalarView()
        var ext = String.UnicodeScalarView()
        root.append(contentsOf: scalars[..<dot])
        ext.append(contentsOf: scalars[dot...])
        return (String(root), String(ext))
    }

    /// `path` with `.hash` inserted before the extension of its last component.
    public static func make(path: String, hash: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let fileName = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let (root, ext) = splitExtension(fileName)
        return directory + root + "." + hash + ext
    }

    /// Whether the last component of `path` carries a Django-style hash: 12 lowercase hex digits
    /// between two dots, just before the extension (or at the end when there is none).
    public static func isHashed(_ path: String) -> Bool {
        let fileName = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        let (root, _) = splitExtension(fileName)
        // `name.<hash>.ext`, or `name.<hash>` when the original had no extension.
        return endsWithHash(root) || endsWithHash(fileName)
    }

    private static func endsWithHash(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        guard utf8.count > hashLength + 1 else { return false }
        let hashStart = utf8.count - hashLength
        guard utf8[hashStart - 1] == UInt8(ascii: ".") else { return false }
        return utf8[hashStart...].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
