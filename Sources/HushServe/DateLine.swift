import Glibc
import HushCore
import NIOCore

/// The `Date:` header line (RFC 9110 §6.6.1), rendered at most once a second per connection.
///
/// Rendered as bytes into the buffer it reuses, without `String`s: with hundreds of connections
/// each renders it every second, and the formatting through strings cost five allocations and
/// about as many instructions as answering a request (measured with callgrind).
struct DateLine {
    private var second: Int = -1
    private var line = ByteBuffer()

    /// `Date: <IMF-fixdate>\r\n` for the current second.
    mutating func current() -> ByteBuffer {
        let now = time(nil)
        if now != second {
            second = now
            // The previous line's bytes were copied into the responses: the buffer is ours alone
            // again, so it is rewritten in place.
            line.clear()
            Self.render(epochSeconds: Int64(now), into: &line)
        }
        return line
    }

    /// Appends `Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n` for `epochSeconds` (years 0...9999).
    static func render(epochSeconds: Int64, into out: inout ByteBuffer) {
        let c = HTTPDate.civil(fromEpochSeconds: epochSeconds)
        out.writeStaticString("Date: ")
        out.writeStaticString(dayName(c.weekdayFromThursday))
        out.writeStaticString(", ")
        twoDigits(c.day, &out)
        out.writeInteger(UInt8(ascii: " "))
        out.writeStaticString(monthName(c.month))
        out.writeInteger(UInt8(ascii: " "))
        twoDigits(c.year / 100, &out)
        twoDigits(c.year, &out)
        out.writeInteger(UInt8(ascii: " "))
        twoDigits(c.hour, &out)
        out.writeInteger(UInt8(ascii: ":"))
        twoDigits(c.minute, &out)
        out.writeInteger(UInt8(ascii: ":"))
        twoDigits(c.second, &out)
        out.writeStaticString(" GMT\r\n")
    }

    /// The last two decimal digits of `n` (non-negative).
    private static func twoDigits(_ n: Int, _ out: inout ByteBuffer) {
        let n = n % 100
        out.writeInteger(UInt8(ascii: "0") + UInt8(n / 10))
        out.writeInteger(UInt8(ascii: "0") + UInt8(n % 10))
    }

    /// 0 is Thursday (1970-01-01 was one), as ``HTTPDate/Civil/weekdayFromThursday`` counts.
    private static func dayName(_ fromThursday: Int) -> StaticString {
        switch fromThursday {
        case 0: return "Thu"
        case 1: return "Fri"
        case 2: return "Sat"
        case 3: return "Sun"
        case 4: return "Mon"
        case 5: return "Tue"
        default: return "Wed"
        }
    }

    /// 1 is January.
    private static func monthName(_ month: Int) -> StaticString {
        switch month {
        case 1: return "Jan"
        case 2: return "Feb"
        case 3: return "Mar"
        case 4: return "Apr"
        case 5: return "May"
        case 6: return "Jun"
        case 7: return "Jul"
        case 8: return "Aug"
        case 9: return "Sep"
        case 10: return "Oct"
        case 11: return "Nov"
        default: return "Dec"
        }
    }
}
