import HushCore
import XCTest

/// A test case with a fresh temporary directory per test, removed after it: `root`, and paths
/// inside it by `path(_:)`. Subclasses name the directory with ``rootLabel``.
open class TemporaryRootTestCase: XCTestCase {
    public var root: TemporaryDirectory!

    /// The prefix of the temporary directory's name (shows which test class left it, if any).
    open class var rootLabel: String { "hush-test" }

    /// `HUSH_CACHE_DIR` for every `hush` a test starts: beside the root (never inside a source
    /// or an output under it), removed with it — no test reads or fills the user's ~/.cache/hush.
    public var childCacheDirectory: String { root.path + ".cache" }

    /// `HUSH_CACHE_DIR` as it was before this test set it.
    private var previousCacheVariable: String?

    override open func setUpWithError() throws {
        try super.setUpWithError()
        root = try TemporaryDirectory(Self.rootLabel)
        previousCacheVariable = ProcessInfo.processInfo.environment["HUSH_CACHE_DIR"]
        setenv("HUSH_CACHE_DIR", childCacheDirectory, 1)
    }

    override open func tearDown() {
        // Put the variable back: left set, the next test's children (of any class) would write
        // into this directory after it was removed, and leave it behind in the temporary folder.
        if let previousCacheVariable {
            setenv("HUSH_CACHE_DIR", previousCacheVariable, 1)
        } else {
            unsetenv("HUSH_CACHE_DIR")
        }
        if let root { try? FileManager.default.removeItem(atPath: root.path + ".cache") }
        root = nil
        super.tearDown()
    }

    /// `relative` inside the temporary root.
    public func path(_ relative: String) -> String { root.path + "/" + relative }

    /// The 12-hex content hash Django puts in a hashed name, computed independently of Hush's naming.
    public static func md5(_ bytes: [UInt8]) -> String { String(MD5.hex(bytes).prefix(12)) }
    public static func md5(_ text: String) -> String { md5(Array(text.utf8)) }
}
