/// Raw bytes as text for one-line messages (error numbers are HushSystem's SystemError).
enum ByteEscaping {
    /// Bytes with everything that is not printable ASCII shown as `\xNN`.
    static func escape(_ bytes: [UInt8]) -> String {
        var out = ""
        for byte in bytes {
            if (0x20..<0x7f).contains(byte) && byte != 0x5c {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789abcdef")
                out += "\\x" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xf)])
            }
        }
        return out
    }
}
