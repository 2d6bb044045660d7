import Agent

/// The line `systemctl status drcheck` shows (sd_notify's STATUS=), e.g. "2,000 servers: 1,998 up, 2 down, 0 drained
/// by hand". A server an operator drained counts as drained whatever its health.
enum SystemdStatus {
    static func text(_ servers: some Collection<ServerRecord>) -> String {
        var (up, down, byHand) = (0, 0, 0)
        for server in servers {
            if server.drainedBy == .operator {
                byHand += 1
            } else if server.up {
                up += 1
            } else {
                down += 1
            }
        }
        return "\(grouped(servers.count)) servers: \(grouped(up)) up, \(grouped(down)) down, "
            + "\(grouped(byHand)) drained by hand"
    }

    /// Thousands separated by commas: 12,345.
    static func grouped(_ value: Int) -> String {
        var digits = String(value.magnitude)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        return (value < 0 ? "-" : "") + ([Substring(digits)] + groups).joined(separator: ",")
    }
}
