/// The collected tree as Django's storage sees it after the copy phase: every collected file by
/// name, the directories holding them, and each file's original-content hash.
struct TreeIndex: Sendable {
    let files: [FoundFile]
    /// `clean_name(name)` → index into ``files``, keyed by exact UTF-8 bytes (Python compares
    /// names by code point; Swift strings would merge NFC and NFD spellings).
    let indexByName: [[UInt8]: Int]
    let directories: Set<[UInt8]>
    /// First 12 hex digits of the MD5 of each file's original content.
    let originalHashes: [String]

    init(files: [FoundFile], originalHashes: [String]) {
        self.files = files
        self.originalHashes = originalHashes
        var index: [[UInt8]: Int] = [:]
        var directories: Set<[UInt8]> = [[]]
        for (i, file) in files.enumerated() {
            let key = PythonString.replaceBackslashes(file.name)
            if index[Array(key.utf8)] == nil { index[Array(key.utf8)] = i }
            var parts = PythonString.split(key, "/")
            parts.removeLast()
            var prefix = ""
            for part in parts {
                prefix = prefix.isEmpty ? part : prefix + "/" + part
                directories.insert(Array(prefix.utf8))
            }
        }
        self.indexByName = index
        self.directories = directories
    }

    func entry(at path: String) -> TreeEntry {
        if let i = indexByName[Array(path.utf8)] { return .file(originalHash: originalHashes[i]) }
        return directories.contains(Array(path.utf8)) ? .directory : .missing
    }
}

/// Lookups while rewriting: final names where known; in discovery mode, a reference to a file
/// whose final name is not known yet is recorded as a dependency and answered provisionally.
/// Every question and answer is traced, so a later run can tell whether a rewrite would come out
/// the same without doing it.
final class CollectedLookup: HashedNameLookup {
    let tree: TreeIndex
    let finalNames: Slots<String>
    let discovering: Bool
    private(set) var dependencies: Set<Int> = []
    private(set) var trace: [LookupRecord] = []

    init(tree: TreeIndex, finalNames: Slots<String>, discovering: Bool) {
        self.tree = tree
        self.finalNames = finalNames
        self.discovering = discovering
    }

    func hashedName(ofCollected key: String) throws(ReferenceFailure) -> String? {
        let answer = try answer(ofCollected: key)
        trace.append(LookupRecord(kind: .collected, key: key, answer: answer))
        return answer
    }

    private func answer(ofCollected key: String) throws(ReferenceFailure) -> String? {
        guard let i = tree.indexByName[Array(key.utf8)] else { return nil }
        if let name = finalNames[i] { return name }
        guard discovering else { throw .pending(key) }
        dependencies.insert(i)
        // Same length and alphabet as the final name, so the rest of the rewrite is unaffected.
        return PythonString.replaceBackslashes(
            DjangoNaming.hashedName(tree.files[i].name, hash: tree.originalHashes[i])
        )
    }

    func entry(at path: String) -> TreeEntry {
        let entry = tree.entry(at: path)
        trace.append(LookupRecord(kind: .entry, key: path, answer: entry.traceValue))
        return entry
    }

    /// Whether every traced question gets the same answer now.
    func replays(_ records: [LookupRecord]) -> Bool {
        for record in records {
            switch record.kind {
            case .collected:
                let now: String?
                do { now = try answer(ofCollected: record.key) } catch { return false }
                guard now == record.answer else { return false }
            case .entry:
                guard tree.entry(at: record.key).traceValue == record.answer else { return false }
            }
        }
        return true
    }

    /// The indices of rewritten files a trace depends on.
    func dependencies(of records: [LookupRecord], rewritten: (Int) -> Bool) -> Set<Int> {
        var result: Set<Int> = []
        for record in records where record.kind == .collected {
            if let i = tree.indexByName[Array(record.key.utf8)], rewritten(i) { result.insert(i) }
        }
        return result
    }
}

/// One question a rewrite asked of the tree, and its answer.
struct LookupRecord: Equatable, Sendable {
    enum Kind: String, Sendable {
        case collected = "c"
        case entry = "e"
    }
    var kind: Kind
    var key: String
    var answer: String?
}

extension TreeEntry {
    var traceValue: String {
        switch self {
        case .file(let hash): return "file:" + hash
        case .directory: return "directory"
        case .missing: return "missing"
        case .outside: return "outside"
        }
    }
}
