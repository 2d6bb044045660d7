/// How a probe quotes what a server sent, in a result's detail (the log, `/status`, `drcheck diagnose`).
enum ProbeText {
    /// The first 64 bytes as printable ASCII (others as `.`), quoted; `...` after when there were more.
    static func excerpt(_ bytes: some Collection<UInt8>) -> String {
        let shown = bytes.prefix(64).map { $0 >= 0x20 && $0 < 0x7f ? Character(UnicodeScalar($0)) : "." }
        return "\"\(String(shown))\"" + (bytes.count > 64 ? "..." : "")
    }
}
