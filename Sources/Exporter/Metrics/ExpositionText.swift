/// The Prometheus text format (0.0.4), written byte for byte as swift-prometheus writes it, for the families drcheck
/// renders itself.
extension [UInt8] {
    /// A family's `# HELP` and `# TYPE` lines; the help's backslashes escaped, as the format asks.
    mutating func appendFamilyHeader(name: String, help: String, type: String) {
        append(contentsOf: "# HELP ".utf8)
        append(contentsOf: name.utf8)
        append(space)
        for byte in help.utf8 {
            if byte == backslash { append(backslash) }
            append(byte)
        }
        append(contentsOf: "\n# TYPE ".utf8)
        append(contentsOf: name.utf8)
        append(space)
        append(contentsOf: type.utf8)
        append(newline)
    }

    /// Starts a sample: its name with `suffix`, and the server's labels, leaving the braces open for more.
    mutating func appendSeries(_ name: String, _ server: ServerLabels, suffix: String = "") {
        append(contentsOf: name.utf8)
        append(contentsOf: suffix.utf8)
        append(contentsOf: #"{service=""#.utf8)
        appendEscaped(server.service)
        append(contentsOf: #"",real_server=""#.utf8)
        appendEscaped(server.realServer)
        append(quote)
    }

    /// Adds `,name="value"` to the labels of the sample begun.
    mutating func appendLabel(_ name: String, _ value: String) {
        append(comma)
        append(contentsOf: name.utf8)
        append(contentsOf: #"=""#.utf8)
        appendEscaped(value)
        append(quote)
    }

    /// Closes the sample's labels and ends its line with `value`.
    mutating func appendValue(_ value: some CustomStringConvertible) {
        append(contentsOf: "} ".utf8)
        append(contentsOf: value.description.utf8)
        append(newline)
    }

    /// A label value, its backslashes, double quotes and line feeds escaped.
    private mutating func appendEscaped(_ value: String) {
        guard value.utf8.contains(where: { $0 == backslash || $0 == quote || $0 == newline }) else {
            return append(contentsOf: value.utf8)
        }
        for byte in value.utf8 {
            switch byte {
            case backslash: append(contentsOf: #"\\"#.utf8)
            case quote: append(contentsOf: #"\""#.utf8)
            case newline: append(contentsOf: #"\n"#.utf8)
            default: append(byte)
            }
        }
    }
}

private let backslash = UInt8(ascii: "\\")
private let quote = UInt8(ascii: "\"")
private let newline = UInt8(ascii: "\n")
private let space = UInt8(ascii: " ")
private let comma = UInt8(ascii: ",")
