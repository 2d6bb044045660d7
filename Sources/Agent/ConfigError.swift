/// A configuration problem, printed as one line naming the file, the line and the key:
/// `drcheck.yaml:12: services[0].check.fall: must be at least 1 (got 0)`.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil when the problem is the file as a whole (unreadable).
    public var line: Int?
    /// The dotted key path, e.g. `services[0].check.fall`; empty for syntax errors.
    public var key: String
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// The characters of a value or key an error shows at most: a unix socket path (107 bytes and `unix:`) still
    /// whole, while a pasted blob is cut; a message holds every key a check knows. With the file's and the message's
    /// own limits, no line is longer than about 900 characters, whatever the file holds.
    static let quoteLimit = 120
    static let fileLimit = 256
    static let messageLimit = 512

    public var description: String {
        let place = Self.oneLine(file, limit: Self.fileLimit) + (line.map { ":\($0)" } ?? "")
        let key = key.isEmpty ? [] : [Self.oneLine(key, limit: Self.quoteLimit)]
        return ([place] + key + [Self.oneLine(message, limit: Self.messageLimit)]).joined(separator: ": ")
    }

    /// A value or path as a message shows it: on one line, cut at `quoteLimit` characters.
    public static func shown(_ text: some StringProtocol) -> String { oneLine(text, limit: quoteLimit) }

    /// `shown(text)` in double quotes.
    public static func quoted(_ text: some StringProtocol) -> String { "\"\(shown(text))\"" }

    /// The line breaks Character.isNewline knows, one scalar each.
    private static let lineBreaks: Set<UInt32> = [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029]

    /// `text` with its line breaks escaped (`\n`), so a message keeps to its line, and cut with "…" past `limit`
    /// characters. Counted in scalars: a character can be any number of combining scalars long.
    static func oneLine(_ text: some StringProtocol, limit: Int) -> String {
        var line = ""
        var length = 0
        for scalar in text.unicodeScalars {
            let piece = lineBreaks.contains(scalar.value) ? scalar.escaped(asASCII: true) : String(scalar)
            length += piece.unicodeScalars.count
            guard length <= limit else { return line + "…" }
            line += piece
        }
        return line
    }
}
