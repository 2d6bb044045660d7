import Agent
import Glibc
import Logging

/// Writes `journal` and `json` lines to standard error, one write(2) a line so lines never interleave (`text` is
/// swift-log's StreamLogHandler, as before).
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let format: LogFormat

    public init(format: LogFormat) { self.format = format }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:]) { $1 }
        let message = "\(event.message)"
        var line =
            format == .json
            ? Self.jsonLine(event.level, message, fields, at: Self.now())
            : Self.journalLine(event.level, message, fields)
        line += "\n"
        line.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }

    /// The level as a syslog priority in sd-daemon(3)'s `<N>` prefix, the metadata, the message; no timestamp: the
    /// journal stamps each line.
    static func journalLine(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) -> String {
        "<\(priority(level))>" + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value) " }.joined() + message
    }

    /// One JSON object: time (UTC, milliseconds), level, message, then the metadata's keys (the first three win a
    /// clash).
    static func jsonLine(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata, at time: timespec)
        -> String
    {
        let fixed = [("time", utc(time)), ("level", level.rawValue), ("message", message)]
        let extra = metadata.sorted { $0.key < $1.key }.filter { !["time", "level", "message"].contains($0.key) }
        let fields = fixed + extra.map { ($0.key, "\($0.value)") }
        return "{" + fields.map { json($0) + ":" + json($1) }.joined(separator: ",") + "}"
    }

    /// syslog(3)'s priorities: LOG_DEBUG 7 ... LOG_CRIT 2.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }

    /// RFC 3339 in UTC with milliseconds, e.g. 2026-12-01T19:12:13.045Z.
    static func utc(_ time: timespec) -> String {
        var seconds = time.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = String(time.tv_nsec / 1_000_000)
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec)).\(String(repeating: "0", count: 3 - millis.count))\(millis)Z"
    }

    /// A JSON string: quotes, backslashes and control characters escaped.
    static func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
