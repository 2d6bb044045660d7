import Agent
import Probe

/// The overload guard's figures in words, for the log.
enum OverloadReport {
    static func describe(_ summary: OverloadGuard.Summary) -> String {
        var parts = ["probes started up to \(summary.worstStartDelay.formatted3) late"]
        if let achieved = summary.achievedInterval, let configured = summary.configuredInterval {
            parts.append(
                "each server checked every \(achieved.formatted3) on average (configured \(configured.formatted3))")
        }
        if summary.discounted > 0 { parts.append("\(summary.discounted) timeouts not counted") }
        return parts.joined(separator: ", ")
    }
}
