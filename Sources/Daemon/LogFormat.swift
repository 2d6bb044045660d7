import Glibc

/// How the daemon writes a log line: `text` as on a terminal (swift-log's stream format), `journal` for systemd's
/// journal, `json` one object a line for log shippers.
public enum LogFormat: String, CaseIterable, Sendable {
    case text, journal, json

    /// `journal` when standard error is the journal's stream: systemd sets JOURNAL_STREAM to its device and inode
    /// (sd-daemon(3)); a shell started from the unit inherits the variable but not the stream.
    public static func detected(journalStream: String? = getenv("JOURNAL_STREAM").map { String(cString: $0) })
        -> LogFormat
    {
        var info = stat()
        guard let stream = journalStream, fstat(2, &info) == 0 else { return .text }
        return stream == "\(info.st_dev):\(info.st_ino)" ? .journal : .text
    }
}
