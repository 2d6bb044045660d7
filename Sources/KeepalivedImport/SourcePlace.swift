/// Where something in a keepalived configuration was written: the file as it was named (the top file as given, an
/// included one by the path its glob found) and the 1-based line.
public struct SourcePlace: Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public var description: String { "\(file):\(line)" }
}

/// Why a file cannot be imported at all, as one line: `keepalived.conf:12: '}' closes no block`.
public struct ImportError: Error, Equatable, CustomStringConvertible {
    public let place: String
    public let message: String

    init(_ place: SourcePlace, _ message: String) { (self.place, self.message) = (place.description, message) }
    init(file: String, _ message: String) { (self.place, self.message) = (file, message) }

    public var description: String { "\(place): \(message)".oneLine }
}

/// Something the import could not carry over as keepalived meant it: a line on stderr (and a comment in the YAML).
public struct ImportWarning: Hashable, Sendable, CustomStringConvertible {
    public let place: SourcePlace
    public let message: String

    public var description: String { "\(place): \(message)".oneLine }
}

extension String {
    /// On one line: a value quoted from the file with a line break in it (a quoted "\n") cannot split a message.
    var oneLine: String {
        var line = ""
        for scalar in unicodeScalars {
            line += YAMLLines.breaks.contains(scalar.value) ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return line
    }
}
