/// What a run did, for the one-line summary.
public struct CollectSummary: Sendable {
    /// Files collected (after ignoring and shadowing).
    public var found = 0
    /// Files written into STATIC_ROOT: originals, hashed copies, compressed siblings, manifests.
    public var written = 0
    /// Hashed copies among them.
    public var hashed = 0
    /// Files rewritten because they reference others.
    public var rewritten = 0
    public var shadowed: [ShadowedFile] = []
    /// Files and directories skipped by ignore patterns.
    public var ignored = 0
    public var seconds = 0.0
    /// One line each, for standard error: source maps left as written (`--missing-sourcemaps warn`).
    public var warnings: [String] = []
    public var dryRun = false

    public init() {}
}

/// Progress reports for a live status line.
public struct CollectProgress: Sendable {
    public enum Phase: String, Sendable {
        case copying, rewriting, writing, compressing
    }

    public var phase: Phase
    public var done: Int
    public var total: Int
}
