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
    private typealias Slot = PathIndexSlot

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
        var keyBytes: [UInt8] = []
        keyBytes.reserveCapacity(entries.reduce(0) { $0 + $1.0.utf8.count })
        var keys: [Range<Int>] = []
        keys.reserveCapacity(entries.count)
        for (key, _) in entries {
            let start = keyBytes.count
            keyBytes.append(contentsOf: key.utf8)
            keys.append(start..<keyBytes.count)
        }
        self.init(keyBytes: keyBytes, keys: keys, values: entries.map(\.1))
    }

    /// Indexes `values[i]` under the bytes `keyBytes[keys[i]]` (keys are distinct; a repeated
    /// key is found, with one of its values). Every key is hashed once, from the bytes: start-up
    /// indexes every file of the root through here.
    init(keyBytes: [UInt8], keys: [Range<Int>], values: [Value]) {
        precondition(keys.count == values.count, "one value per key")
        var capacity = 16
        while capacity < keys.count * 2 { capacity <<= 1 }
        var slots = [Slot](repeating: Slot(), count: capacity)
        let mask = capacity - 1
        keyBytes.withUnsafeBytes { bytes in
            for (position, key) in keys.enumerated() {
                let hash = Self.hash(UnsafeRawBufferPointer(rebasing: bytes[key]))
                var i = Int(truncatingIfNeeded: hash) & mask
                while slots[i].start >= 0 { i = (i + 1) & mask }
                slots[i] = Slot(
                    start: Int32(key.lowerBound),
                    length: Int32(key.count),
                    hash: UInt32(truncatingIfNeeded: hash),
                    value: Int32(position)
                )
            }
        }
        self.slots = slots
        self.keyBytes = keyBytes
        self.values = values
        self.mask = mask
    }

    private init(slots: [Slot], keyBytes: [UInt8], values: [Value], mask: Int) {
        self.slots = slots
        self.keyBytes = keyBytes
        self.values = values
        self.mask = mask
    }

    /// The same keys with each value transformed: nothing is hashed or copied again.
    func mapValues<T: Sendable>(_ transform: (Value) throws -> T) rethrows -> PathIndex<T> {
        PathIndex<T>(slots: slots, keyBytes: keyBytes, values: try values.map(transform), mask: mask)
    }

    /// Every key (decoded) and value, in no particular order.
    var entries: [(String, Value)] {
        var out: [(String, Value)] = []
        out.reserveCapacity(values.count)
        forEachEntry { out.append(($0, $1)) }
        return out
    }

    /// Calls `body` with every key (decoded) and value, in no particular order, without
    /// gathering them first (the digest pass walks a hundred thousand files this way).
    func forEachEntry(_ body: (String, Value) throws -> Void) rethrows {
        for slot in slots where slot.start >= 0 {
            let key = keyBytes[Int(slot.start)..<Int(slot.start + slot.length)]
            try body(String(decoding: key, as: UTF8.self), values[Int(slot.value)])
        }
    }

    /// How many keys it holds.
    var count: Int { values.count }

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

/// One slot of a ``PathIndex`` (outside it so that indexes of different values share it).
private struct PathIndexSlot: Sendable {
    /// Offset of the key in `keyBytes`; -1 marks an empty slot.
    var start: Int32 = -1
    var length: Int32 = 0
    var hash: UInt32 = 0
    var value: Int32 = 0
}
