import HushCore

extension PipelineRun {
    /// What phase 2 decided for the CSS/JS files.
    struct RewriteOutcome {
        var finalNames: Slots<String>
        /// Rewritten text of the files rewritten in this run.
        var rewritten: [Int: [UInt8]] = [:]
        /// Files whose previous rewrite still holds: their hashed copy is linked from the old tree.
        var reused: Set<Int> = []
        /// MD5 and size of every rewritten file's final content.
        var outputs: [Int: (md5: String, size: Int64)] = [:]
        /// Rewrite records for the next run's cache.
        var records: [String: CollectCache.RewriteRecord] = [:]
        /// Source maps left as written, by file (`--missing-sourcemaps warn`), replayed ones included.
        var missingMaps: [Int: [MissingMap]] = [:]
    }

    private enum RewriteResult {
        case discovered(output: [UInt8], dependencies: Set<Int>)
        case rewritten(output: [UInt8], md5: String, trace: [LookupRecord], missingMaps: [MissingMap])
        case reused(CollectCache.RewriteRecord)
    }

    /// Phase 2: final hashed names for every file and the rewritten text of CSS/JS files.
    ///
    /// A discovery pass rewrites every CSS/JS file once and records which other rewritten files it
    /// references; files without such references are final at once, the rest are rewritten level
    /// by level once everything they reference is final. What is left when no file is ready is a
    /// cycle. A file whose previous rewrite is in the cache skips discovery: its recorded
    /// questions give its dependencies, and once those are final, replaying the questions tells
    /// whether the old output still holds.
    func rewriteReferences(tree: TreeIndex, copies: Slots<FileSystem.Copied>) throws(CollectError) -> RewriteOutcome {
        var outcome = RewriteOutcome(finalNames: Slots<String>(count: files.count))
        let finalNames = outcome.finalNames
        var adjustable: [Int] = []
        for i in files.indices {
            if rewriter.rewrites(files[i].relativePath) {
                adjustable.append(i)
            } else {
                finalNames[i] = hashedName(i, hash: tree.originalHashes[i])
            }
        }
        let isAdjustable = Set(adjustable)
        func key(_ i: Int) -> String {
            CollectCache.rewriteKey(md5: copies[i]!.md5, name: files[i].name, path: files[i].relativePath)
        }
        let reuse = self.reuse
        var memos: [Int: CollectCache.RewriteRecord] = [:]
        for i in adjustable { memos[i] = reuse.rewrite(md5: copies[i]!.md5, name: files[i].name, path: files[i].relativePath) }

        let results = Slots<RewriteResult>(count: files.count)
        func content(_ i: Int) throws(CollectError) -> [UInt8] {
            if let text = copies[i]!.content { return text }
            // Linked from the previous run without being read: read the staged copy now.
            let text = try FileSystem.readAll(staging + "/" + files[i].name)
            guard String(validating: text, as: UTF8.self) != nil else {
                throw .notUTF8Content(files[i].sourcePath)
            }
            return text
        }
        func process(_ batch: [Int], discovering: Bool) throws(CollectError) {
            try parallelForEach(batch, jobs: jobs, cancellation: cancellation) { i throws(CollectError) in
                let lookup = CollectedLookup(tree: tree, finalNames: finalNames, discovering: discovering)
                if !discovering, let memo = memos[i],
                   reuse.mayReuse(memo, hashedName: { hashedName(i, hash: $0) }, replays: lookup.replays) {
                    results[i] = .reused(memo)
                    return
                }
                let file = files[i]
                let text = try content(i)
                do throws(ReferenceRewriter.Failure) {
                    var missingMaps: [MissingMap] = []
                    let output = try rewriter.rewrite(text, name: file.name, path: file.relativePath, lookup: lookup, missingMaps: &missingMaps)
                    if discovering && !lookup.dependencies.isEmpty {
                        results[i] = .discovered(output: output, dependencies: lookup.dependencies)
                    } else {
                        results[i] = .rewritten(output: output, md5: MD5.hex(output), trace: lookup.trace, missingMaps: missingMaps)
                    }
                } catch {
                    throw Self.collectError(error, file: file.sourcePath)
                }
            }
        }
        func commit(_ i: Int) {
            switch results[i]! {
            case .discovered: break
            case .rewritten(let output, let md5, let trace, let missingMaps):
                outcome.rewritten[i] = output
                outcome.outputs[i] = (md5, Int64(output.count))
                outcome.records[key(i)] = CollectCache.RewriteRecord(outputMD5: md5, outputSize: Int64(output.count), trace: trace, missingMaps: missingMaps)
                if !missingMaps.isEmpty { outcome.missingMaps[i] = missingMaps }
                finalNames[i] = hashedName(i, hash: String(md5.prefix(HashedName.hashLength)))
            case .reused(let memo):
                outcome.reused.insert(i)
                outcome.outputs[i] = (memo.outputMD5, memo.outputSize)
                outcome.records[key(i)] = memo
                if !memo.missingMaps.isEmpty { outcome.missingMaps[i] = memo.missingMaps }
                finalNames[i] = hashedName(i, hash: String(memo.outputMD5.prefix(HashedName.hashLength)))
            }
        }

        report(.rewriting, 0, adjustable.count)
        try process(adjustable.filter { memos[$0] == nil }, discovering: true)
        var waiting: [Int: Set<Int>] = [:]
        for i in adjustable {
            if let memo = memos[i] {
                let lookup = CollectedLookup(tree: tree, finalNames: finalNames, discovering: false)
                waiting[i] = lookup.dependencies(of: memo.trace, rewritten: isAdjustable.contains)
            } else if case .discovered(_, let dependencies) = results[i]! {
                waiting[i] = dependencies
            } else {
                commit(i)
            }
        }
        while !waiting.isEmpty {
            let ready = waiting.filter { $0.value.allSatisfy { finalNames[$0] != nil } }.keys.sorted()
            guard !ready.isEmpty else { throw .referenceCycle(cycle(in: waiting)) }
            try process(ready, discovering: false)
            for i in ready {
                commit(i)
                waiting[i] = nil
            }
            report(.rewriting, adjustable.count - waiting.count, adjustable.count)
        }
        return outcome
    }

    /// The hashed name Django gives file `i` for content with `hash` (`clean_name` applied).
    func hashedName(_ i: Int, hash: String) -> String {
        PythonString.replaceBackslashes(DjangoNaming.hashedName(files[i].name, hash: hash))
    }

    /// One cycle among the waiting files, as source paths in reference order.
    func cycle(in waiting: [Int: Set<Int>]) -> [String] {
        var path: [Int] = []
        var current = waiting.keys.min()!
        while !path.contains(current) {
            path.append(current)
            current = waiting[current]!.filter { waiting[$0] != nil }.min()!
        }
        return path[path.firstIndex(of: current)!...].map { files[$0].sourcePath }
    }

    static func collectError(_ failure: ReferenceRewriter.Failure, file: String) -> CollectError {
        // The matched text may span lines (`@import\n "x"`); the error must stay one line.
        let failure = ReferenceRewriter.Failure(reason: failure.reason, line: failure.line, matched: oneLine(failure.matched))
        switch failure.reason {
        case .missing(let target):
            return .missingReference(file: file, line: failure.line, reference: failure.matched, target: target)
        case .outside:
            return .referenceOutsideRoot(file: file, line: failure.line, reference: failure.matched)
        case .unsupported(let reason):
            return .unsupportedReference(file: file, line: failure.line, reference: failure.matched, reason: reason)
        case .pending(let key):
            return .unsupportedReference(file: file, line: failure.line, reference: failure.matched, reason: "internal ordering error on \(key)")
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
