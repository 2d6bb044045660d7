import Logging

/// The daemon's log beyond single lines: conditions that persist (an IPVS read failing, a state file that cannot be
/// written), each logged once when it begins or its message changes and once when it ends; and bursts of
/// per-server lines of one kind, logged at debug level under one summary line.
final class ConditionLog {
    let log: Logger
    /// The conditions raised now, by name, with the message logged when each began.
    private var raised: [String: String] = [:]

    init(_ log: Logger) { self.log = log }

    /// Logs `message` when condition `name` begins or its message changes.
    func raise(_ name: String, _ level: Logger.Level, _ message: String) {
        guard raised[name] != message else { return }
        raised[name] = message
        log.log(level: level, "\(message)")
    }

    /// Logs `message` when condition `name` was raised and is over.
    func clear(_ name: String, _ message: @autoclosure () -> String) {
        guard raised.removeValue(forKey: name) != nil else { return }
        log.notice("\(message())")
    }

    /// The message condition `name` was raised with; nil while it is not.
    func message(of name: String) -> String? { raised[name] }

    /// Beyond this many lines of one kind in one turn, the log gets one summary line and the lines go to debug.
    static let logBurst = 10

    /// The level of `count` per-server lines of one kind in a turn: notice, warning for a drain (what
    /// `journalctl -p warning` should show), or debug in a burst.
    static func lineLevel(_ count: Int, drain: Bool = false) -> Logger.Level {
        count > logBurst ? .debug : drain ? .warning : .notice
    }

    /// Logs the summary of a burst of `count` lines of one kind (nothing when they were logged one by one), at
    /// warning when it holds drains.
    func summarize(_ count: Int, drains: Bool = false, _ summary: @autoclosure () -> String) {
        if count > Self.logBurst { log.log(level: drains ? .warning : .notice, "\(summary()) (each at debug level)") }
    }
}
