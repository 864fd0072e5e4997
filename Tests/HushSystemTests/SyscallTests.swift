import Glibc
import XCTest

@testable import HushSystem

final class SyscallTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        var template = Array((NSTemporaryDirectory() + "/hush-system-XXXXXX").utf8CString)
        let made = mkdtemp(&template)
        directory = String(cString: try XCTUnwrap(made))
    }

    override func tearDown() {
        _ = Glibc.system("rm -rf '\(directory)'")
    }

    func testABackgroundThreadCanBeMadeToRunOnlyWhenTheCoreIsIdle() throws {
        // On its own thread: the policy is per thread, and the test runner's must stay as it is.
        let policy = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { policy.deallocate() }
        policy.pointee = -1
        var thread = pthread_t()
        XCTAssertEqual(
            pthread_create(
                &thread,
                nil,
                { argument in
                    Syscall.runCallingThreadOnlyWhenIdle()
                    argument?.assumingMemoryBound(to: Int32.self).pointee = sched_getscheduler(0)
                    return nil
                },
                policy
            ),
            0
        )
        XCTAssertEqual(pthread_join(thread, nil), 0)
        XCTAssertEqual(policy.pointee, 5, "SCHED_IDLE")
        XCTAssertEqual(sched_getscheduler(0), SCHED_OTHER, "the calling thread of the test is unchanged")
    }

    func testEINTRIsRetriedAndOtherErrnosBecomeTypedErrors() throws {
        var calls = 0
        let result = try Syscall.retrying("read", path: "/x") { () -> Int in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 7
        }
        XCTAssertEqual(result, 7)
        XCTAssertEqual(calls, 3, "two EINTRs, then the real result")

        XCTAssertThrowsError(
            try Syscall.retrying("open", path: "/x") { () -> Int32 in
                errno = EACCES
                return -1
            }
        ) { error in
            XCTAssertEqual(error as? SystemError, SystemError(errno: EACCES, call: "open", path: "/x"))
        }
    }

    func testReadFullyRetriesEINTRAndShortCounts() throws {
        // A kernel that hands out at most 3 bytes per read and is interrupted every other call.
        let source: [UInt8] = Array(0..<20)
        var position = 0
        var calls = 0
        let fakeRead: ReadCall = { _, base, count in
            calls += 1
            if calls % 2 == 1 {
                errno = EINTR
                return -1
            }
            let n = min(3, count, source.count - position)
            for i in 0..<n { base.storeBytes(of: source[position + i], toByteOffset: i, as: UInt8.self) }
            position += n
            return n
        }
        var buffer = [UInt8](repeating: 0xff, count: 32)
        let got = try buffer.withUnsafeMutableBytes { try Syscall.readFully(0, into: $0, path: "f", using: fakeRead) }
        XCTAssertEqual(got, 20, "short counts are read on to end of file")
        XCTAssertEqual(Array(buffer[..<20]), source)
    }

    func testWriteFullyRetriesShortWritesAndEINTR() throws {
        var written: [UInt8] = []
        var calls = 0
        let fakeWrite: WriteCall = { _, base, count in
            calls += 1
            if calls == 2 {
                errno = EINTR
                return -1
            }
            let n = min(2, count)
            written += UnsafeRawBufferPointer(start: base, count: n)
            return n
        }
        let bytes: [UInt8] = Array("hello, world".utf8)
        try bytes.withUnsafeBytes { try Syscall.writeFully(1, $0, path: "out", using: fakeWrite) }
        XCTAssertEqual(written, bytes)
    }

    func testWriteThatMakesNoProgressIsReportedNotRetriedForever() {
        XCTAssertThrowsError(
            try [UInt8](repeating: 1, count: 4).withUnsafeBytes {
                try Syscall.writeFully(1, $0, path: "out", using: { _, _, _ in 0 })
            }
        ) { error in
            XCTAssertEqual((error as? SystemError)?.errno, ENOSPC)
        }
    }

    func testErrnoMapsToAnErrorWhoseMessageNamesThePath() {
        let missing = directory + "/no/such/file"
        XCTAssertThrowsError(try Syscall.open(missing, O_RDONLY)) { error in
            guard let error = error as? SystemError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.errno, ENOENT)
            XCTAssertEqual(error.call, "open")
            XCTAssertEqual(error.path, missing)
            XCTAssertEqual(error.description, "\(missing): cannot open: No such file or directory")
        }
        XCTAssertEqual(
            SystemError(errno: EACCES, call: "rename", path: "static").description,
            "static: cannot rename: Permission denied (check its permissions)"
        )
        XCTAssertFalse(SystemError(errno: ENOSPC, call: "write").description.contains("\n"), "one line")
    }

    func testAReadInterruptedByASignalOnAPipeIsRetried() throws {
        // SIGUSR1 without SA_RESTART: a read blocked on an empty pipe returns EINTR.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        action.sa_flags = 0
        var old = sigaction()
        XCTAssertEqual(sigaction(SIGUSR1, &action, &old), 0)
        defer { sigaction(SIGUSR1, &old, nil) }

        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let reader = ReaderThread(fd: fds[0])
        reader.start()
        // Signal the reader until the kernel has returned EINTR to it at least once.
        let deadline = Date().addingTimeInterval(10)
        while reader.interrupted.value == 0 && Date() < deadline {
            pthread_kill(reader.thread, SIGUSR1)
            usleep(1000)
        }
        XCTAssertGreaterThan(reader.interrupted.value, 0, "the read was interrupted")
        XCTAssertEqual(write(fds[1], "x", 1), 1)
        XCTAssertEqual(reader.finished.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(reader.result, .success(1), "the interrupted read went on and got the byte")
    }

    func testReadToEndReadsAFileWhateverItsSizeHint() throws {
        let path = directory + "/data"
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let out = try Syscall.open(path, O_WRONLY | O_CREAT | O_EXCL)
        try Syscall.writeFully(out, bytes, path: path)
        try Syscall.close(out, path: path)
        for hint in [0, 10, 200_000, 300_000] {
            let fd = try Syscall.open(path, O_RDONLY)
            defer { try? Syscall.close(fd) }
            XCTAssertEqual(try Syscall.readToEnd(fd, sizeHint: hint, path: path), bytes, "hint \(hint)")
        }
    }

    func testDirectoryWalkYieldsEveryEntryWithItsTypeAndSkipsWhatItIsToldTo() throws {
        XCTAssertEqual(mkdir(directory + "/a", 0o755), 0)
        XCTAssertEqual(mkdir(directory + "/a/skip", 0o755), 0)
        for file in ["top", "a/one", "a/skip/hidden"] {
            try Syscall.close(try Syscall.open(directory + "/" + file, O_WRONLY | O_CREAT))
        }
        XCTAssertEqual(symlink("top", directory + "/link"), 0)
        var seen: [String: FileType] = [:]
        let descend: (String) -> Bool = { $0 != "a/skip" }
        try Directory.walk(directory, descend: descend) { seen[$0] = $1 }
        XCTAssertEqual(
            seen,
            ["top": .regular, "a": .directory, "a/one": .regular, "a/skip": .directory, "link": .symbolicLink]
        )
        XCTAssertThrowsError(try Directory.entries(directory + "/missing")) { error in
            XCTAssertEqual((error as? SystemError)?.errno, ENOENT)
        }
    }

    func testDirectoryEntryNamesDecodeOnlyValidUTF8() throws {
        let names: [[UInt8]] = [
            Array("plain.css".utf8), Array("caf\u{e9}.css".utf8), [0x66, 0xff, 0x2e, 0x6a, 0x73], [0x2e, 0x2e, 0x2e],
        ]
        for name in names {
            // Built from bytes: a String path could not hold the name that is not UTF-8.
            let path: [CChar] = (Array((directory + "/").utf8) + name + [0]).map { CChar(bitPattern: $0) }
            let fd = open(path, O_WRONLY | O_CREAT, 0o644)
            XCTAssertGreaterThanOrEqual(fd, 0)
            close(fd)
        }
        let entries = try Directory.entries(directory)
        XCTAssertEqual(Set(entries.map(\.bytes)), Set(names), "every name, . and .. left out, ... kept")
        for entry in entries {
            XCTAssertEqual(entry.name, String(validating: entry.bytes, as: UTF8.self))
        }
        XCTAssertEqual(Set(entries.compactMap(\.name)), ["plain.css", "caf\u{e9}.css", "..."])
    }

    func testFileIdentityFromStatAndItsComparisons() throws {
        let path = directory + "/f"
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT)
        try Syscall.writeFully(fd, [1, 2, 3], path: path)
        let identity = FileIdentity(try Syscall.fstat(fd))
        try Syscall.close(fd)
        XCTAssertEqual(identity.size, 3)
        XCTAssertEqual(FileIdentity(path: path, follow: false), identity)
        var touched = identity
        touched.changed += 1
        XCTAssertTrue(identity.sameContentStamp(touched), "ctime is not part of the content stamp")
        touched.modified += 1
        XCTAssertFalse(identity.sameContentStamp(touched))
        XCTAssertEqual(
            FileIdentity(device: 0, inode: 0, size: 0, modified: -1, changed: 0).modifiedSeconds,
            -1,
            "rounded down, as st_mtim.tv_sec is"
        )
        XCTAssertEqual(
            FileIdentity(device: 0, inode: 0, size: 0, modified: 1_999_999_999, changed: 0).modifiedSeconds,
            1
        )
    }
}

/// Counts from one thread, read from another once the first has been seen to change it.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() {
        lock.lock()
        count += 1
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

private final class ReaderThread: @unchecked Sendable {
    let fd: Int32
    private(set) var thread = pthread_t()
    var result: Result<Int, SystemError>?
    let interrupted = Counter()
    let finished = DispatchSemaphore(value: 0)

    init(fd: Int32) { self.fd = fd }

    func start() {
        let started = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            self.thread = pthread_self()
            started.signal()
            var buffer = [UInt8](repeating: 0, count: 8)
            let fd = self.fd
            // Syscall.read's own body, counting the EINTRs the kernel returns before retrying.
            self.result = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) in
                    try Syscall.retrying("read") { () -> Int in
                        let n = Glibc.read(fd, raw.baseAddress, raw.count)
                        let code = errno
                        if n == -1 && code == EINTR { self.interrupted.add() }
                        errno = code
                        return n
                    }
                }
            }
            self.finished.signal()
        }
        started.wait()
    }
}
