import Primitives

/// The `ipvsadm -R` (ipvsadm-restore) rules that build the table keepalived would: every service with its
/// scheduler and persistence, every real server with its forwarding method and weight, a sorry server at weight 0.
enum IPVSRules {
    static func text(_ config: ImportedConfig) -> String {
        var lines: [String] = []
        var made: Set<ServiceKey> = []
        for service in config.services where made.insert(service.key).inserted {
            let rules = service.rules
            lines.append("-A \(rules.service) \(rules.scheduling)")
            for destination in rules.destinations {
                lines.append(
                    "-a \(rules.service) -r \(destination.server) \(destination.method) -w \(destination.weight)")
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    static func serviceOption(_ key: ServiceKey) -> String {
        switch key {
        case .virtual(let vip, .tcp): "-t \(vip)"
        case .virtual(let vip, .udp): "-u \(vip)"
        case .virtual(let vip, .sctp): "--sctp-service \(vip)"
        case .fwmark(let mark, .ipv4): "-f \(mark)"
        case .fwmark(let mark, .ipv6): "-f \(mark) -6"
        }
    }

    /// keepalived's lb_kind as ipvsadm's forwarding option (keepalived's default is NAT).
    static func methodOption(_ method: String) -> String {
        switch method {
        case "DR": "-g"
        case "TUN": "-i"
        default: "-m"
        }
    }
}
