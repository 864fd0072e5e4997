import Glibc

extension Syscall {
    /// Hands the memory the allocator holds free back to the system (glibc's `malloc_trim(0)`,
    /// which trims every arena). For after a large transient build, such as a scan of a hundred
    /// thousand names: otherwise the freed pages stay in the allocator's free lists, and in the
    /// process's resident size, for the server's life.
    public static func releaseFreeMemory() {
        _ = hush_malloc_trim(0)
    }

    /// Puts the calling thread in the `SCHED_IDLE` class: it runs only when no other thread wants
    /// the core, so background work takes no time from requests or start-up (a nice value would
    /// still take a share of a busy core). Falls back to nice 19 where the class is refused. On
    /// Linux scheduling attributes are per thread, and pid 0 is the calling thread.
    public static func runCallingThreadOnlyWhenIdle() {
        var parameters = sched_param()
        if sched_setscheduler(0, schedIdle, &parameters) != 0 {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        }
    }
}

/// `SCHED_IDLE` from <sched.h>, hidden behind `_GNU_SOURCE` in the Swift Glibc module.
private let schedIdle: Int32 = 5

/// glibc's `malloc_trim`, declared in <malloc.h>, which the Swift Glibc module does not include.
@_silgen_name("malloc_trim")
private func hush_malloc_trim(_ pad: Int) -> Int32
