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

    /// keepalived's `lvs_method`/`lb_kind` words as the forwarding kind (NAT, DR, TUN) and ipvsadm's option: `-m`,
    /// `-g`, or `-i` with TUN's `type ipip|gue port N|gre` and `nocsum|csum|remcsum`; `problem` says what could not
    /// be carried over (keepalived reports an unknown kind and keeps NAT).
    static func method(_ words: [String]) -> (kind: String, option: String, problem: String?) {
        let kind = words.first?.uppercased() ?? "NAT"
        switch kind {
        case "DR": return ("DR", "-g", words.count > 1 ? "lvs_method DR takes no more words: the rest left out" : nil)
        case "NAT":
            return ("NAT", "-m", words.count > 1 ? "lvs_method NAT takes no more words: the rest left out" : nil)
        case "TUN": break
        default:
            return (
                "NAT", "-m",
                "lb_kind \(words.first ?? ""): not NAT, DR or TUN; keepalived reports it and keeps NAT, as the rules do"
            )
        }
        var option = "-i"
        var rest = words.dropFirst()[...]
        if rest.first == "type", rest.count >= 2 {
            let type = rest.dropFirst().first!
            rest = rest.dropFirst(2)
            switch type {
            case "ipip": break
            case "gre": option += " --tun-type gre"
            case "gue":
                guard rest.first == "port", rest.count >= 2, let port = UInt16(rest.dropFirst().first!), port > 0 else {
                    return ("TUN", option, "lvs_method TUN type gue needs port N: left as ipip")
                }
                option += " --tun-type gue --tun-port \(port)"
                rest = rest.dropFirst(2)
            default:
                return ("TUN", option, "lvs_method TUN type \(type): not ipip, gue or gre; left as ipip")
            }
        }
        if let checksum = rest.first, option != "-i" {
            guard ["nocsum", "csum", "remcsum"].contains(checksum), !(checksum == "remcsum" && option.hasSuffix("gre"))
            else {
                return (
                    "TUN", option, "lvs_method TUN \(checksum): not a checksum option of this tunnel type; left out"
                )
            }
            option += " --tun-\(checksum)"
            rest = rest.dropFirst()
        }
        return (
            "TUN", option,
            rest.isEmpty ? nil : "lvs_method \(words.joined(separator: " ")): \(rest.joined(separator: " ")) left out"
        )
    }
}
