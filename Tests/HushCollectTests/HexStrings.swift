import Foundation

/// Hex of a string's UTF-8 bytes: an exact, ASCII-only way to hand strings to Python and back
/// (NFC and NFD spellings stay distinct, unlike Swift `String` equality).
func hexUTF8(_ s: String) -> String {
    s.utf8.map { String(format: "%02x", $0) }.joined()
}

func fromHexUTF8(_ hex: Substring) -> String {
    var bytes: [UInt8] = []
    var i = hex.startIndex
    while i < hex.endIndex {
        let j = hex.index(i, offsetBy: 2)
        bytes.append(UInt8(hex[i..<j], radix: 16)!)
        i = j
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Code-point equality (Swift's `==` on strings is canonical equivalence).
func sameScalars(_ a: String, _ b: String) -> Bool {
    Array(a.unicodeScalars) == Array(b.unicodeScalars)
}
