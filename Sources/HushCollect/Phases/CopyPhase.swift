import HushSystem
import Synchronization

/// Phase 1: every file into staging with its MD5; the text of the files whose references get
/// rewritten is kept in memory. An unchanged file the previous run already published is linked
/// from the old STATIC_ROOT instead of read again (a CSS/JS file is then read only if its
/// rewrite cannot be reused: see ``RewritePhase``).
struct CopyPhase {
    let context: PhaseContext
    let files: [FoundFile]
    let rewriter: ReferenceRewriter
    let reuse: ReusePolicy

    func run() throws(CollectError) -> [CopiedFile] {
        try context.makeParents(files.map(\.name))
        let done = Atomic<Int>(0)
        let total = files.count
        return try context.mapInParallel(largestFirst(files.map(\.size)), count: files.count) {
            i throws(CollectError) in
            let copied = try copy(files[i], done: done.load(ordering: .relaxed), total: total)
            context.report(.copying, done.add(1, ordering: .relaxed).newValue, total)
            return copied
        }
    }

    private func copy(_ file: FoundFile, done: Int, total: Int) throws(CollectError) -> CopiedFile {
        context.faultInjection?(.beforeCopy(file.name))
        let target = context.staged(file.name)
        if let reused = reuse.source(at: file.sourcePath, name: file.name),
            (try? Syscall.link(reuse.root + "/" + reused.output, as: target)) != nil
        {
            return CopiedFile(md5: reused.md5, size: reused.size, content: nil, identity: reused.identity)
        }
        let large = context.announceLarge(file.name, size: file.size, .copying, done, total)
        defer { if large { context.largeFiles.end(file.name) } }
        let copied = try FileSystem.copy(file.sourcePath, to: target, keepContent: rewriter.rewrites(file.relativePath))
        if let content = copied.content, String(validating: content, as: UTF8.self) == nil {
            throw .notUTF8Content(file.sourcePath)
        }
        return CopiedFile(md5: copied.md5, size: copied.size, content: copied.content, identity: copied.identity)
    }
}
