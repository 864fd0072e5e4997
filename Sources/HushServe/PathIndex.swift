import Glibc

/// The file table's URL lookup by raw bytes: a request path is found without building a
/// `String` (an allocation, a UTF-8 check and SipHash per request for a `[String: …]`).
///
/// Open addressing with linear probing over a power-of-two slot array at most half full; keys
/// are stored back to back in one byte array. Keys are compared byte for byte, so a path matches
/// only the exact bytes of a file name (as nginx does), not a canonically equivalent spelling.
/// The keys are the scanned files, fixed for the table's life, so a client cannot grow a probe
/// chain: hostile paths cost one hash and a short probe each.
struct PathIndex<Value: Sendable>: Sendable {
    private struct Slot: Sendable {
        /// Offset of the key in `keyBytes`; -1 marks an empty slot.
        var start: Int32 = -1
        var length: Int32 = 0
        var hash: UInt32 = 0
        var value: Int32 = 0
    }

    private let slots: [Slot]
    private let keyBytes: [UInt8]
    private let values: [Value]
    private let mask: Int

    /// Indexes `entries` by the UTF-8 bytes of their keys.
    init(_ entries: [String: Value]) {
        self.init(pairs: entries.map { ($0.key, $0.value) })
    }

    /// Indexes `pairs` by the UTF-8 bytes of their keys (keys are distinct).
    init(pairs entries: [(String, Value)]) {
        var capacity = 16
        while capacity < entries.count * 2 { capacity <<= 1 }
        var slots = [Slot](repeating: Slot(), count: capacity)
        var keyBytes: [UInt8] = []
        keyBytes.reserveCapacity(entries.reduce(0) { $0 + $1.0.utf8.count })
        var values: [Value] = []
        values.reserveCapacity(entries.count)
        let mask = capacity - 1
        for (key, value) in entries {
            let start = keyBytes.count
            keyBytes.append(contentsOf: key.utf8)
            let length = keyBytes.count - start
            let hash = keyBytes.withUnsafeBytes { Self.hash(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            var i = Int(truncatingIfNeeded: hash) & mask
            while slots[i].start >= 0 { i = (i + 1) & mask }
            slots[i] = Slot(
                start: Int32(start),
                length: Int32(length),
                hash: UInt32(truncatingIfNeeded: hash),
                value: Int32(values.count)
            )
            values.append(value)
        }
        self.slots = slots
        self.keyBytes = keyBytes
        self.values = values
        self.mask = mask
    }

    /// Every key (decoded) and value, in no particular order.
    var entries: [(String, Value)] {
        slots.compactMap { slot in
            guard slot.start >= 0 else { return nil }
            let key = keyBytes[Int(slot.start)..<Int(slot.start + slot.length)]
            return (String(decoding: key, as: UTF8.self), values[Int(slot.value)])
        }
    }

    /// The value whose key is exactly `key`, if any.
    func lookup(_ key: UnsafeRawBufferPointer) -> Value? {
        let hash = Self.hash(key)
        let tag = UInt32(truncatingIfNeeded: hash)
        var i = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            keyBytes.withUnsafeBytes { keys in
                while true {
                    let slot = slots[i]
                    if slot.start < 0 { return nil }
                    if slot.hash == tag, Int(slot.length) == key.count, Self.equal(keys, at: Int(slot.start), key) {
                        return values[Int(slot.value)]
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    @inline(__always)
    private static func equal(_ keys: UnsafeRawBufferPointer, at start: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        guard key.count > 0 else { return true }
        guard let stored = keys.baseAddress, let wanted = key.baseAddress else { return false }
        return memcmp(stored + start, wanted, key.count) == 0
    }

    /// FNV-1a, 64-bit: a few nanoseconds for a typical asset path.
    @inline(__always)
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3
        }
        return h
    }
}
