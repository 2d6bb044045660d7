import Exporter
import Glibc

/// The open-file limit, raised as far as allowed, and how many probes it lets run at once.
///
/// Why: at the usual soft limit of 1,024, a director with a thousand servers runs out of descriptors, and every probe
/// that cannot open a socket would look like a failed server. The hard limit is what the administrator allows.
struct DescriptorBudget {
    /// Descriptors kept for everything but probes: the loop, netlink, the state file, the ARP watch, logging, and
    /// the metrics listener's reserve (a spare it lends to a scrape when the rest run out).
    static let reserve = 64

    /// The soft limit after raising it (to the hard limit).
    let limit: Int

    /// Raises the soft open-file limit to the hard one; a failure keeps the soft limit as it is.
    static func raise() -> DescriptorBudget {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return DescriptorBudget(limit: 1024) }
        if limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = limits.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limits = raised }
        }
        return DescriptorBudget(limit: Int(clamping: limits.rlim_cur))
    }

    /// The probes that may run at once: the configured most, within what the limit leaves after the metrics
    /// server's connections and the reserve, with two descriptors a probe (a DR probe and its RIP re-probe).
    func probesInFlight(configured: Int, metricsConnections: Int = MetricsServerLimits().maxConnections) -> Int {
        let free = limit - Self.reserve - metricsConnections
        return max(8, min(configured, free / 2))
    }
}
