/// HTTP dates (RFC 9110 §5.6.7): written as IMF-fixdate, read in all three formats a recipient
/// must accept. Pure arithmetic on seconds since the Unix epoch, no Foundation and no time zones:
/// HTTP dates are always GMT.
public enum HTTPDate {
    static let dayNames = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    static let longDayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    /// English month abbreviations, January first.
    public static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// A moment broken into calendar fields (proleptic Gregorian, UTC).
    public struct Civil: Equatable, Sendable {
        public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
        /// Days since Thursday, 1 January 1970, modulo 7 (0 = Thursday).
        public var weekdayFromThursday: Int

        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekdayFromThursday: Int = 0)
        {
            self.year = year
            self.month = month
            self.day = day
            self.hour = hour
            self.minute = minute
            self.second = second
            self.weekdayFromThursday = weekdayFromThursday
        }
    }

    /// Calendar fields of `seconds` since the epoch (Howard Hinnant's `civil_from_days`).
    public static func civil(fromEpochSeconds seconds: Int64) -> Civil {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        let weekday = Int(((days % 7) + 7) % 7)
        return Civil(
            year: year,
            month: month,
            day: day,
            hour: secondOfDay / 3_600,
            minute: (secondOfDay / 60) % 60,
            second: secondOfDay % 60,
            weekdayFromThursday: weekday
        )
    }

    /// Seconds since the epoch of calendar fields (Howard Hinnant's `days_from_civil`).
    public static func epochSeconds(of civil: Civil) -> Int64 {
        let y = Int64(civil.month <= 2 ? civil.year - 1 : civil.year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(civil.month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(civil.day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + Int64(civil.hour * 3_600 + civil.minute * 60 + civil.second)
    }

    /// `seconds` as an IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7).
    public static func format(epochSeconds seconds: Int64) -> String {
        let c = civil(fromEpochSeconds: seconds)
        return dayNames[c.weekdayFromThursday] + ", " + pad2(c.day) + " " + monthNames[c.month - 1] + " "
            + pad4(c.year) + " " + pad2(c.hour) + ":" + pad2(c.minute) + ":" + pad2(c.second) + " GMT"
    }

    /// Reads an HTTP date in any of the three formats of RFC 9110 §5.6.7 (IMF-fixdate, the obsolete
    /// RFC 850 form with a two-digit year, and asctime). Returns nil for anything else; a recipient
    /// then ignores the header field that carried it (RFC 9110 §13.1.3).
    public static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int64? {
        var p = Parser(Array(bytes))
        p.skipSpaces()
        if let c = p.imfFixdate() ?? p.rfc850() ?? p.asctime() {
            p.skipSpaces()
            guard p.atEnd, valid(c) else { return nil }
            return epochSeconds(of: c)
        }
        return nil
    }

    /// Reads an HTTP date from a string; see ``parse(_:)-(Bytes)``.
    public static func parse(_ text: String) -> Int64? { parse(Array(text.utf8)) }

    private static func valid(_ c: Civil) -> Bool {
        guard (1...12).contains(c.month), c.day >= 1, c.hour < 24, c.minute < 60, c.second < 61 else { return false }
        let leap = (c.year % 4 == 0 && c.year % 100 != 0) || c.year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return c.day <= lengths[c.month - 1]
    }

    static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    static func pad4(_ n: Int) -> String { String(repeating: "0", count: max(0, 4 - String(n).count)) + "\(n)" }

    private struct Parser {
        let b: [UInt8]
        var i = 0
        init(_ b: [UInt8]) { self.b = b }
        var atEnd: Bool { i == b.count }

        mutating func skipSpaces() { while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 } }

        mutating func literal(_ s: String) -> Bool {
            let u = Array(s.utf8)
            guard b.count - i >= u.count, Array(b[i..<(i + u.count)]) == u else { return false }
            i += u.count
            return true
        }

        mutating func digits(_ n: Int) -> Int? {
            guard b.count - i >= n else { return nil }
            var v = 0
            for k in 0..<n {
                let d = b[i + k]
                guard d >= 0x30, d <= 0x39 else { return nil }
                v = v * 10 + Int(d - 0x30)
            }
            i += n
            return v
        }

        mutating func oneOf(_ names: [String]) -> Int? {
            for (index, name) in names.enumerated() where literal(name) { return index }
            return nil
        }

        mutating func time() -> (Int, Int, Int)? {
            guard let h = digits(2), literal(":"), let m = digits(2), literal(":"), let s = digits(2) else {
                return nil
            }
            return (h, m, s)
        }

        // IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT
        mutating func imfFixdate() -> Civil? {
            let start = i
            guard oneOf(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]) != nil, literal(", "),
                let day = digits(2), literal(" "), let month = oneOf(HTTPDate.monthNames), literal(" "),
                let year = digits(4), literal(" "), let (h, m, s) = time(), literal(" GMT")
            else {
                i = start
                return nil
            }
            return Civil(year: year, month: month + 1, day: day, hour: h, minute: m, second: s)
        }

        // rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT; date2 = day "-" month "-" 2DIGIT.
        // A two-digit year is read as the nearest year with those digits at or below 2069
        // (RFC 9110 §5.6.7: more than 50 years in the future is taken as the past).
        mutating func rfc850() -> Civil? {
            let start = i
            guard oneOf(HTTPDate.longDayNames) != nil, literal(", "), let day = digits(2), literal("-"),
                let month = oneOf(HTTPDate.monthNames), literal("-"), let yy = digits(2), literal(" "),
                let (h, m, s) = time(), literal(" GMT")
            else {
                i = start
                return nil
            }
            return Civil(
                year: yy < 70 ? 2000 + yy : 1900 + yy,
                month: month + 1,
                day: day,
                hour: h,
                minute: m,
                second: s
            )
        }

        // asctime-date = day-name SP month SP ( 2DIGIT / ( SP DIGIT )) SP time-of-day SP year
        mutating func asctime() -> Civil? {
            let start = i
            guard oneOf(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]) != nil, literal(" "),
                let month = oneOf(HTTPDate.monthNames), literal(" ")
            else {
                i = start
                return nil
            }
            let day: Int
            if literal(" "), let d = digits(1) {
                day = d
            } else if let d = digits(2) {
                day = d
            } else {
                i = start
                return nil
            }
            guard literal(" "), let (h, m, s) = time(), literal(" "), let year = digits(4) else {
                i = start
                return nil
            }
            return Civil(year: year, month: month + 1, day: day, hour: h, minute: m, second: s)
        }
    }
}
