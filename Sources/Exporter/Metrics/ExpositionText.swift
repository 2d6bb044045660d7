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

    /// Starts a sample: its name with `suffix`, and the server's labels (escaped already), leaving the braces open
    /// for more.
    mutating func appendSeries(_ name: String, _ escaped: ServerLabels, suffix: String = "") {
        append(contentsOf: name.utf8)
        append(contentsOf: suffix.utf8)
        append(contentsOf: #"{service=""#.utf8)
        append(contentsOf: escaped.service.utf8)
        append(contentsOf: #"",real_server=""#.utf8)
        append(contentsOf: escaped.realServer.utf8)
        append(quote)
    }

    /// Adds `,name="value"` to the labels of the sample begun.
    mutating func appendLabel(_ name: String, _ value: String) {
        append(comma)
        append(contentsOf: name.utf8)
        append(contentsOf: #"=""#.utf8)
        append(contentsOf: value.escapedLabelValue.utf8)
        append(quote)
    }

    /// Closes the sample's labels and ends its line with `value`.
    mutating func appendValue(_ value: some CustomStringConvertible) {
        append(contentsOf: "} ".utf8)
        append(contentsOf: value.description.utf8)
        append(newline)
    }
}

extension String {
    /// The string as a label value: its backslashes, double quotes and line feeds escaped. Most need none and are
    /// returned as they are, sharing their storage.
    var escapedLabelValue: String {
        guard utf8.contains(where: { $0 == backslash || $0 == quote || $0 == newline }) else { return self }
        var escaped: [UInt8] = []
        for byte in utf8 {
            switch byte {
            case backslash: escaped.append(contentsOf: #"\\"#.utf8)
            case quote: escaped.append(contentsOf: #"\""#.utf8)
            case newline: escaped.append(contentsOf: #"\n"#.utf8)
            default: escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }
}

private let backslash = UInt8(ascii: "\\")
private let quote = UInt8(ascii: "\"")
private let newline = UInt8(ascii: "\n")
private let space = UInt8(ascii: " ")
private let comma = UInt8(ascii: ",")
