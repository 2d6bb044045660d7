/// Durations as Prometheus writes them: `500ms`, `2s`, `1m30s`, `0` — units y w d h m s ms, each at most once,
/// in descending order (a year is 365 days, a week 7 days).
public enum PrometheusDuration {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let text: String
        public var description: String {
            "not a duration: \(ConfigError.quoted(text)) (write it like 500ms, 2s, 1m30s or 1h)"
        }
    }

    private static let units: [(name: String, milliseconds: Int64)] = [
        ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000),
        ("s", 1000), ("ms", 1),
    ]

    public static func parse(_ text: String) throws(ParseError) -> Duration {
        if text == "0" { return .zero }
        var rest = Substring(text)
        var total: Int64 = 0
        var nextUnit = 0
        guard !rest.isEmpty else { throw ParseError(text: text) }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(letters.count)
            guard let value = Int64(digits),
                let index = units[nextUnit...].firstIndex(where: { $0.name == letters })
            else { throw ParseError(text: text) }
            let (product, overflow1) = value.multipliedReportingOverflow(by: units[index].milliseconds)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow1, !overflow2, sum <= Int64.max / 1_000_000 else { throw ParseError(text: text) }
            total = sum
            nextUnit = index + 1
        }
        return .milliseconds(total)
    }

    /// The shortest Prometheus form, to the millisecond: `1m30s`, `500ms`, `0s`.
    public static func format(_ duration: Duration) -> String {
        var left =
            max(0, duration.components.seconds) * 1000 + max(0, duration.components.attoseconds) / 1_000_000_000_000_000
        guard left > 0 else { return "0s" }
        var text = ""
        for unit in units where left >= unit.milliseconds {
            text += "\(left / unit.milliseconds)\(unit.name)"
            left %= unit.milliseconds
        }
        return text
    }
}
