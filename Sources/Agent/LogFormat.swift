import Glibc

/// How the daemon writes a log line: `text` as on a terminal (swift-log's stream format), `journal` for systemd's
/// journal, `json` one object a line for log shippers; `auto` (the default) is `journal` when standard error is the
/// journal's stream, else `text`. The config's `log_format`, which `--log-format` overrides.
public enum LogFormat: String, CaseIterable, Hashable, Sendable {
    case auto, text, journal, json

    /// `journal` when standard error is the journal's stream: systemd sets JOURNAL_STREAM to its device and inode
    /// (sd-daemon(3)); a shell started from the unit inherits the variable but not the stream.
    public static func detected(journalStream: String? = getenv("JOURNAL_STREAM").map { String(cString: $0) })
        -> LogFormat
    {
        var info = stat()
        guard let stream = journalStream, fstat(2, &info) == 0 else { return .text }
        return stream == "\(info.st_dev):\(info.st_ino)" ? .journal : .text
    }

    /// The daemon's format: `flag`, else the `log_format` of the config at `configPath` (as `ConfigLoader` finds
    /// it), with `auto` resolved. A config that does not load counts as `auto`: the daemon then stops and logs why.
    public static func forDaemon(
        flag: LogFormat?, configPath: String?,
        journalStream: String? = getenv("JOURNAL_STREAM").map { String(cString: $0) }
    ) -> LogFormat {
        let chosen = flag ?? (try? ConfigLoader.load(path: configPath))?.config.logFormat ?? .auto
        return chosen == .auto ? detected(journalStream: journalStream) : chosen
    }
}
