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

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        let text = key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
        // Keys and values are quoted as written; a line break in one, escaped, keeps the message on its line.
        return text.map { $0.isNewline ? $0.unicodeScalars.map { $0.escaped(asASCII: true) }.joined() : String($0) }
            .joined()
    }
}
