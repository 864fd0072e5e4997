import Glibc
import HushCore
import NIOCore

/// The `Date:` header line (RFC 9110 §6.6.1), rendered at most once a second per connection.
struct DateLine {
    private var second: Int = -1
    private var line = ByteBuffer()

    /// `Date: <IMF-fixdate>\r\n` for the current second.
    mutating func current() -> ByteBuffer {
        let now = time(nil)
        if now != second {
            second = now
            line = ByteBuffer(string: "Date: " + HTTPDate.format(epochSeconds: Int64(now)) + "\r\n")
        }
        return line
    }
}
