import HushCore

extension PipelineRun {
    /// Phase 2: final hashed names for every file and the rewritten text of CSS/JS files.
    ///
    /// A discovery pass rewrites every CSS/JS file once and records which other rewritten files it
    /// references; files without such references are final at once, the rest are rewritten level
    /// by level once everything they reference is final. What is left when no file is ready is a
    /// cycle.
    func rewriteReferences(tree: TreeIndex, copies: Slots<FileSystem.Copied>) throws(CollectError)
        -> (Slots<String>, [Int: [UInt8]])
    {
        let finalNames = Slots<String>(count: files.count)
        var adjustable: [Int] = []
        for i in files.indices {
            if copies[i]!.content != nil {
                adjustable.append(i)
            } else {
                finalNames[i] = hashedName(i, hash: tree.originalHashes[i])
            }
        }
        let results = Slots<([UInt8], Set<Int>)>(count: files.count)
        func rewrite(_ batch: [Int], discovering: Bool) throws(CollectError) {
            try parallelForEach(batch, jobs: jobs, cancellation: cancellation) { i throws(CollectError) in
                let lookup = CollectedLookup(tree: tree, finalNames: finalNames, discovering: discovering)
                let file = files[i]
                do throws(ReferenceRewriter.Failure) {
                    let output = try rewriter.rewrite(copies[i]!.content!, name: file.name, path: file.relativePath, lookup: lookup)
                    results[i] = (output, lookup.dependencies)
                } catch {
                    throw Self.collectError(error, file: file.sourcePath)
                }
            }
        }
        var rewritten: [Int: [UInt8]] = [:]
        func commit(_ i: Int) {
            let content = results[i]!.0
            rewritten[i] = content
            finalNames[i] = hashedName(i, hash: String(MD5.hex(content).prefix(HashedName.hashLength)))
        }
        report(.rewriting, 0, adjustable.count)
        try rewrite(adjustable, discovering: true)
        var waiting: [Int: Set<Int>] = [:]
        for i in adjustable {
            let dependencies = results[i]!.1
            if dependencies.isEmpty { commit(i) } else { waiting[i] = dependencies }
        }
        while !waiting.isEmpty {
            let ready = waiting.filter { $0.value.allSatisfy { finalNames[$0] != nil } }.keys.sorted()
            guard !ready.isEmpty else { throw .referenceCycle(cycle(in: waiting)) }
            try rewrite(ready, discovering: false)
            for i in ready {
                commit(i)
                waiting[i] = nil
            }
            report(.rewriting, adjustable.count - waiting.count, adjustable.count)
        }
        return (finalNames, rewritten)
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
}
