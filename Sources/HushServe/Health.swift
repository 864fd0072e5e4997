import NIOConcurrencyHelpers

/// Whether the server is still taking traffic, as its health path reports it: serving until a
/// graceful stop begins, draining from then on.
public final class HealthState: Sendable {
    private let draining = NIOLockedValueBox(false)

    public init() {}

    /// Whether a graceful stop began (the health path answers 503).
    public var isDraining: Bool { draining.withLockedValue { $0 } }

    /// Marks the server as stopping; never undone.
    func drain() {
        draining.withLockedValue { $0 = true }
    }
}

/// The health path as a request target must spell it, and the state it reports.
struct HealthCheck: Sendable {
    let path: [UInt8]
    let state: HealthState

    /// Whether `target` is the health path, with or without a query.
    @inline(__always)
    func matches(_ target: Slice<UnsafeRawBufferPointer>) -> Bool {
        guard target.count >= path.count else { return false }
        let end = target.startIndex + path.count
        guard end == target.endIndex || target[end] == UInt8(ascii: "?") else { return false }
        return path.withUnsafeBytes { $0.elementsEqual(target[target.startIndex..<end]) }
    }
}
