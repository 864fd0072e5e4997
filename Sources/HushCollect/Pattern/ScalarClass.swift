/// A test on one Unicode code point: the atoms of ``BacktrackingPattern``.
///
/// ASCII membership is a 128-bit set; code points above ASCII follow one of a few rules, which is
/// all Django's patterns need (`.`, `\s`, `\w`, negated sets, and the non-ASCII letters Python's
/// case-insensitive matching equates with `i`, `s` and `k`).
struct ScalarClass: Sendable, Equatable {
    enum NonASCII: Sendable, Equatable {
        case none
        case any
        case space
        case word
        case only([UInt32])
    }

    var low: UInt64 = 0
    var high: UInt64 = 0
    var nonASCII: NonASCII = .none

    @inline(__always)
    func contains(_ value: UInt32) -> Bool {
        if value < 64 { return low & (1 << UInt64(value)) != 0 }
        if value < 128 { return high & (1 << UInt64(value - 64)) != 0 }
        switch nonASCII {
        case .none: return false
        case .any: return true
        case .space: return Unicode.Scalar(value).map(PythonString.isSpace) ?? false
        case .word: return Unicode.Scalar(value).map(PythonString.isWord) ?? false
        case .only(let values): return values.contains(value)
        }
    }

    mutating func insert(_ value: UInt8) {
        if value < 64 { low |= 1 << UInt64(value) } else if value < 128 { high |= 1 << UInt64(value - 64) }
    }

    /// Whether `byte` can begin the UTF-8 encoding of a member.
    func mayStart(with byte: UInt8) -> Bool {
        if byte < 128 { return contains(UInt32(byte)) }
        switch nonASCII {
        case .none: return false
        case .only(let values):
            return values.contains { value in
                guard let scalar = Unicode.Scalar(value) else { return false }
                return String(scalar).utf8.first == byte
            }
        default: return byte >= 0xc2
        }
    }

    static func of(_ bytes: String) -> ScalarClass {
        var set = ScalarClass()
        for byte in bytes.utf8 { set.insert(byte) }
        return set
    }

    /// Everything except the given ASCII characters.
    static func not(_ bytes: String) -> ScalarClass {
        var set = ScalarClass(low: ~0, high: ~0, nonASCII: .any)
        for byte in bytes.utf8 {
            if byte < 64 { set.low &= ~(1 << UInt64(byte)) } else { set.high &= ~(1 << UInt64(byte - 64)) }
        }
        return set
    }

    /// Python's `\s` in a `str` pattern.
    static let space: ScalarClass = {
        var set = ScalarClass.of(" \t\n\r\u{0b}\u{0c}\u{1c}\u{1d}\u{1e}\u{1f}")
        set.nonASCII = .space
        return set
    }()

    /// Python's `\w` in a `str` pattern.
    static let word: ScalarClass = {
        var set = ScalarClass.of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
        set.nonASCII = .word
        return set
    }()

    /// `.`: anything but a newline (no DOTALL).
    static let dot = ScalarClass.not("\n")

    /// One literal character; with `ignoreCase`, also the characters Python's `re.IGNORECASE`
    /// equates with it (`ı`/`İ` for `i`, `ſ` for `s`, the Kelvin sign for `k`).
    static func literal(_ scalar: Unicode.Scalar, ignoreCase: Bool) -> ScalarClass {
        guard scalar.isASCII else { return ScalarClass(nonASCII: .only([scalar.value])) }
        var set = ScalarClass()
        let byte = UInt8(scalar.value)
        set.insert(byte)
        guard ignoreCase else { return set }
        let lower = (0x41...0x5a).contains(byte) ? byte + 32 : byte
        if (0x61...0x7a).contains(lower) {
            set.insert(lower)
            set.insert(lower - 32)
            switch lower {
            case UInt8(ascii: "i"): set.nonASCII = .only([0x130, 0x131])
            case UInt8(ascii: "s"): set.nonASCII = .only([0x17f])
            case UInt8(ascii: "k"): set.nonASCII = .only([0x212a])
            default: break
            }
        }
        return set
    }
}
