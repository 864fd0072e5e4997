/// The order in which CSS/JS files are rewritten: a file is ready once every rewritten file it
/// references has its final name (Django reaches the same fixed point by repeating passes; this
/// rewrites each file once, level by level). What is left when no file is ready is a cycle.
///
/// Files are indices; a file not waiting is final. Dependencies name only files that are
/// rewritten (the others are final from the start).
struct RewriteOrder: Equatable {
    /// Waiting file → the files it references.
    private(set) var waiting: [Int: Set<Int>]

    init(waiting: [Int: Set<Int>]) { self.waiting = waiting }

    var isEmpty: Bool { waiting.isEmpty }

    /// The waiting files whose references are all final, ascending; empty when every waiting file
    /// waits on another (then ``cycle()`` names one of the cycles).
    func ready() -> [Int] {
        waiting.filter { $0.value.allSatisfy { waiting[$0] == nil } }.keys.sorted()
    }

    /// `files` have their final names now.
    mutating func finished(_ files: [Int]) {
        for file in files { waiting[file] = nil }
    }

    /// One cycle among the waiting files, in reference order (each references the next, the last
    /// the first): found by following, from the lowest waiting file, its lowest waiting
    /// reference until a file repeats. Empty when nothing waits.
    func cycle() -> [Int] {
        guard var current = waiting.keys.min() else { return [] }
        var path: [Int] = []
        var seen: [Int: Int] = [:]
        while seen[current] == nil {
            seen[current] = path.count
            path.append(current)
            // Called when nothing is ready, each waiting file waits on a waiting one; should that
            // not hold, the path walked so far is still the best name for the stall.
            guard let next = waiting[current]?.filter({ waiting[$0] != nil }).min() else { return path }
            current = next
        }
        return Array(path[(seen[current] ?? 0)...])
    }
}
