import Synchronization

/// Phase 3: the hashed copies: rewritten text, the previous run's identical output, or a second
/// link to the unchanged original.
struct HashedCopyPhase {
    let context: PhaseContext
    let files: [FoundFile]
    let hashed: [HashedFile]
    /// The STATIC_ROOT being replaced (``HashedFile/Body/previousRun`` copies are linked from it).
    let previousRoot: String

    func run() throws(CollectError) {
        for (file, copy) in zip(files, hashed) where DjangoNaming.storagePath(copy.name) == nil {
            throw .writeFailed(
                path: file.sourcePath,
                reason: "its hashed name \(copy.name) would lie outside STATIC_ROOT"
            )
        }
        try context.makeParents(hashed.map(\.name))
        let done = Atomic<Int>(0)
        let total = files.count
        try context.forEachInParallel(largestFirst(files.map(\.size))) { i throws(CollectError) in
            let target = context.staged(hashed[i].name)
            switch hashed[i].body {
            case .rewritten(let content): try FileSystem.write(content, to: target)
            case .previousRun: try FileSystem.duplicate(previousRoot + "/" + hashed[i].name, as: target)
            case .original: try FileSystem.duplicate(context.staged(files[i].name), as: target)
            }
            context.report(.writing, done.add(1, ordering: .relaxed).newValue, total)
        }
    }
}
