import Foundation

/// Polls `condition` every 20 ms until it holds or `seconds` pass, and returns whether it held:
/// the one way tests wait for something another thread or process does (never a bare sleep).
public func eventually(within seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return try await condition()
}
