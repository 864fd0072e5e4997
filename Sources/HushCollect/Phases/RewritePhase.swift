import HushCore

/// Phase 2: final hashed names for every file and the rewritten text of CSS/JS files.
///
/// A discovery pass rewrites every CSS/JS file once and records which other rewritten files it
/// references; files without such references are final at once, the rest are rewritten in
/// ``RewriteOrder`` once everything they reference is final. A file whose previous rewrite is in
/// the cache skips discovery: its recorded questions give its dependencies, and once those are
/// final, ``ReusePolicy`` tells whether the old output still holds.
struct RewritePhase {
    let context: PhaseContext
    let files: [FoundFile]
    let copies: [CopiedFile]
    let rewriter: ReferenceRewriter
    let reuse: ReusePolicy
    let tree: TreeIndex

    struct Outcome {
        /// Every file's hashed name and content, in file order.
        var hashed: [HashedFile]
        /// How many files were rewritten in this run (not reused).
        var rewrittenCount = 0
        /// Rewrite records for the next run's cache.
        var records: [String: CollectCache.RewriteRecord] = [:]
        /// Source maps left as written, by file (`--missing-sourcemaps warn`), replayed ones included.
        var missingMaps: [Int: [MissingMap]] = [:]
    }

    private enum Result {
        case discovered(dependencies: Set<Int>)
        case rewritten(output: [UInt8], md5: String, trace: [LookupRecord], missingMaps: [MissingMap])
        case reused(CollectCache.RewriteRecord)
    }

    /// What is decided so far. Written between parallel batches only; `finalNames` is what the
    /// lookups of the next batch read.
    private struct Decisions {
        let finalNames: Slots<String>
        let hashed: Slots<HashedFile>
        var outcome = Outcome(hashed: [])

        init(count: Int) {
            finalNames = Slots<String>(count: count)
            hashed = Slots<HashedFile>(count: count)
        }

        mutating func decide(_ i: Int, _ file: HashedFile) {
            hashed[i] = file
            finalNames[i] = file.name
        }
    }

    func run() throws(CollectError) -> Outcome {
        var decisions = Decisions(count: files.count)
        var adjustable: [Int] = []
        for i in files.indices {
            if rewriter.rewrites(files[i].relativePath) {
                adjustable.append(i)
            } else {
                decisions.decide(
                    i,
                    HashedFile(
                        name: hashedName(i, hash: copies[i].originalHash),
                        body: .original,
                        md5: copies[i].md5,
                        size: copies[i].size
                    )
                )
            }
        }
        var memos: [Int: CollectCache.RewriteRecord] = [:]
        for i in adjustable {
            memos[i] = reuse.rewrite(md5: copies[i].md5, name: files[i].name, path: files[i].relativePath)
        }
        context.report(.rewriting, 0, adjustable.count)
        var order = try discover(adjustable, memos: memos, decisions: &decisions)
        while !order.isEmpty {
            let ready = order.ready()
            guard !ready.isEmpty else { throw .referenceCycle(order.cycle().map { files[$0].sourcePath }) }
            let results = try process(ready, finalNames: decisions.finalNames, memos: memos, discovering: false)
            for (i, result) in zip(ready, results) { commit(i, result, into: &decisions) }
            order.finished(ready)
            context.report(.rewriting, adjustable.count - order.waiting.count, adjustable.count)
        }
        decisions.outcome.hashed = decisions.hashed.finish()
        return decisions.outcome
    }

    /// The discovery pass over the files without a recorded rewrite: the ones referencing no
    /// other rewritten file are final at once; the rest, and those with a recorded rewrite (whose
    /// trace names what they reference), wait in the returned order.
    private func discover(
        _ adjustable: [Int],
        memos: [Int: CollectCache.RewriteRecord],
        decisions: inout Decisions
    ) throws(CollectError) -> RewriteOrder {
        let undiscovered = adjustable.filter { memos[$0] == nil }
        let discoveries = try process(undiscovered, finalNames: decisions.finalNames, memos: memos, discovering: true)
        let discovered = Dictionary(uniqueKeysWithValues: zip(undiscovered, discoveries))
        let isAdjustable = Set(adjustable)
        var waiting: [Int: Set<Int>] = [:]
        for i in adjustable {
            if let memo = memos[i] {
                let lookup = CollectedLookup(tree: tree, finalNames: decisions.finalNames, discovering: false)
                waiting[i] = lookup.dependencies(of: memo.trace, rewritten: isAdjustable.contains)
            } else if case .discovered(let dependencies)? = discovered[i] {
                waiting[i] = dependencies
            } else if let result = discovered[i] {
                commit(i, result, into: &decisions)
            }
        }
        return RewriteOrder(waiting: waiting)
    }

    /// Records file `i`'s rewrite (new or reused) and makes its hashed name final.
    private func commit(_ i: Int, _ result: Result, into decisions: inout Decisions) {
        let record: CollectCache.RewriteRecord
        let body: HashedFile.Body
        switch result {
        case .discovered:
            return
        case .rewritten(let output, let md5, let trace, let maps):
            record = CollectCache.RewriteRecord(
                outputMD5: md5,
                outputSize: Int64(output.count),
                trace: trace,
                missingMaps: maps
            )
            body = .rewritten(output)
            decisions.outcome.rewrittenCount += 1
        case .reused(let memo):
            record = memo
            body = .previousRun
        }
        decisions.outcome.records[key(i)] = record
        if !record.missingMaps.isEmpty { decisions.outcome.missingMaps[i] = record.missingMaps }
        let name = hashedName(i, hash: String(record.outputMD5.prefix(HashedName.hashLength)))
        decisions.decide(i, HashedFile(name: name, body: body, md5: record.outputMD5, size: record.outputSize))
    }

    /// Rewrites (or, outside discovery, replays) `batch` in parallel; results in batch order.
    private func process(
        _ batch: [Int],
        finalNames: Slots<String>,
        memos: [Int: CollectCache.RewriteRecord],
        discovering: Bool
    ) throws(CollectError) -> [Result] {
        try context.mapInParallel(Array(batch.indices), count: batch.count) { k throws(CollectError) in
            let i = batch[k]
            let lookup = CollectedLookup(tree: tree, finalNames: finalNames, discovering: discovering)
            if !discovering, let memo = memos[i],
                reuse.mayReuse(memo, hashedName: { hashedName(i, hash: $0) }, replays: lookup.replays)
            {
                return .reused(memo)
            }
            let file = files[i]
            let text = try content(i)
            do throws(ReferenceRewriter.Failure) {
                var missingMaps: [MissingMap] = []
                let output = try rewriter.rewrite(
                    text,
                    name: file.name,
                    path: file.relativePath,
                    lookup: lookup,
                    missingMaps: &missingMaps
                )
                if discovering && !lookup.dependencies.isEmpty {
                    return .discovered(dependencies: lookup.dependencies)
                }
                return .rewritten(output: output, md5: MD5.hex(output), trace: lookup.trace, missingMaps: missingMaps)
            } catch {
                throw Self.collectError(error, file: file.sourcePath)
            }
        }
    }

    /// The text of file `i`, from the copy phase or, when that linked it from the previous run
    /// without reading it, from staging.
    private func content(_ i: Int) throws(CollectError) -> [UInt8] {
        if let text = copies[i].content { return text }
        let text = try FileSystem.readAll(context.staged(files[i].name))
        guard String(validating: text, as: UTF8.self) != nil else {
            throw .notUTF8Content(files[i].sourcePath)
        }
        return text
    }

    private func key(_ i: Int) -> String {
        CollectCache.rewriteKey(md5: copies[i].md5, name: files[i].name, path: files[i].relativePath)
    }

    /// The hashed name Django gives file `i` for content with `hash` (`clean_name` applied).
    func hashedName(_ i: Int, hash: String) -> String {
        PythonString.replaceBackslashes(DjangoNaming.hashedName(files[i].name, hash: hash))
    }

    static func collectError(_ failure: ReferenceRewriter.Failure, file: String) -> CollectError {
        // The matched text may span lines (`@import\n "x"`); the error must stay one line.
        let failure = ReferenceRewriter.Failure(
            reason: failure.reason,
            line: failure.line,
            matched: oneLine(failure.matched)
        )
        switch failure.reason {
        case .missing(let target):
            return .missingReference(file: file, line: failure.line, reference: failure.matched, target: target)
        case .outside:
            return .referenceOutsideRoot(file: file, line: failure.line, reference: failure.matched)
        case .unsupported(let reason):
            return .unsupportedReference(file: file, line: failure.line, reference: failure.matched, reason: reason)
        case .pending(let key):
            return .unsupportedReference(
                file: file,
                line: failure.line,
                reference: failure.matched,
                reason: "internal ordering error on \(key)"
            )
        }
    }

    static func oneLine(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
