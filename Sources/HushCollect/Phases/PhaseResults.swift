import HushCore
import HushSystem

/// Phase 1's result for one collected file: its copy in staging.
struct CopiedFile {
    var md5: String
    var size: Int64
    /// The content, kept for the files whose references get rewritten (nil when the copy was
    /// linked from the previous run without being read).
    var content: [UInt8]?
    /// The source as it was when it was read (what the next run's cache compares against).
    var identity: FileIdentity?

    /// Django's hash of the original content: the first 12 hex digits of its MD5.
    var originalHash: String { String(md5.prefix(HashedName.hashLength)) }
}

/// Phase 2's result for one collected file: its final hashed name and what its hashed copy holds.
struct HashedFile {
    enum Body {
        /// The original's bytes: a file that is not rewritten (not CSS/JS). A CSS/JS file whose
        /// rewrite changed nothing is still `.rewritten`.
        case original
        /// Rewritten in this run.
        case rewritten([UInt8])
        /// The previous run's rewrite still holds: linked from the old tree.
        case previousRun
    }

    /// The hashed name, `clean_name` applied (as in the manifest).
    var name: String
    var body: Body
    /// MD5 and size of the hashed copy's content.
    var md5: String
    var size: Int64

    var rewritten: [UInt8]? {
        if case .rewritten(let bytes) = body { return bytes }
        return nil
    }
}

/// A file the run writes into STATIC_ROOT (an original or a hashed copy) with its content's MD5.
struct PublishedFile {
    var path: String
    var md5: String
    var size: Int64
}
