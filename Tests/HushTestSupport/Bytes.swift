// Deterministic test data: bytes no compressor can shrink, and text that compresses like a bundle.

/// Deterministic pseudo-random bytes (xorshift64*), incompressible by gzip and Brotli.
public func randomBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    var out = [UInt8]()
    out.reserveCapacity(count)
    while out.count < count {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        let word = state &* 0x2545_F491_4F6C_DD1D
        for shift in stride(from: 0, to: 64, by: 8) where out.count < count {
            out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
        }
    }
    return out
}

/// JavaScript-like text: repetitive identifiers and punctuation with some variety, compressing
/// roughly as real bundles do.
public func javaScriptLikeText(_ count: Int) -> [UInt8] {
    let words = [
        "function", "return", "const", "let", "this", "props", "state", "render", "value", "index",
        "length", "document", "window", "addEventListener", "undefined", "null", "true", "false",
        "Object", "Array", "prototype", "call", "apply", "module", "exports", "require",
    ]
    var out = [UInt8]()
    out.reserveCapacity(count + 64)
    var state: UInt64 = 42
    var line = 0
    while out.count < count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let a = words[Int((state >> 33) % UInt64(words.count))]
        let b = words[Int((state >> 17) % UInt64(words.count))]
        let n = Int((state >> 40) % 1000)
        line += 1
        let text = "  \(a) _\(b)\(n) = (\(b), i\(line % 97)) => { \(a)(\(b).\(a) + \(n)); };\n"
        out.append(contentsOf: Array(text.utf8))
    }
    return Array(out.prefix(count))
}
