import Primitives
import Yams

/// The effective configuration as YAML that `ConfigParser` reads back to the same `Config`.
public enum ConfigPrinter {
    public static func yaml(_ config: Config) -> String {
        var top: [(Node, Node)] = [
            ("listen", Node(config.listen)),
            ("state_file", Node(config.stateFile)),
            ("discover", Node(String(config.discover))),
            ("discovery_interval", duration(config.discoveryInterval)),
            ("defaults", check(config.defaults, serviceKeys: false)),
            ("dr_sysctls", Node(config.drSysctls.rawValue)),
            ("arp_watch", duration(config.arpWatch)),
            ("on_arp_conflict", Node(config.onArpConflict.rawValue)),
            ("probe_marks", Node(hex(config.probeMarks.lowerBound) + "-" + hex(config.probeMarks.upperBound))),
            ("max_probes_in_flight", Node(String(config.maxProbesInFlight))),
            ("max_commands_in_flight", Node(String(config.maxCommandsInFlight))),
            ("on_change_timeout", duration(config.onChangeTimeout)),
            ("max_hooks_in_flight", Node(String(config.maxHooksInFlight))),
        ]
        top.append(("services", Node(config.services.map(service))))
        // Serializing plain strings and mappings cannot fail.
        return (try? Yams.serialize(node: Node(top), indent: 2, width: -1)) ?? ""
    }

    private static func service(_ service: ServiceConfig) -> Node {
        var pairs: [(Node, Node)] = []
        if let name = service.name { pairs.append(("name", Node(name))) }
        switch service.key {
        case .virtual(let vip, let proto):
            pairs.append(("vip", Node(vip.description, Tag(.str), .doubleQuoted)))
            pairs.append(("protocol", Node(proto.description)))
        case .fwmark(let mark, let family):
            pairs.append(("fwmark", Node(String(mark))))
            pairs.append(("family", Node(family.description)))
        }
        pairs.append(("check", check(service.check, serviceKeys: true)))
        let servers = service.realServers.map { server -> Node in
            let address = server.port.map { Endpoint(address: server.address, port: $0).description }
            var pairs: [(Node, Node)] = [("address", Node(address ?? server.address.description, Tag(.str)))]
            if let weight = server.weight { pairs.append(("weight", Node(String(weight)))) }
            return Node(pairs)
        }
        pairs.append(("real_servers", Node(servers)))
        if let sorry = service.sorryServer {
            let address = sorry.port.map { Endpoint(address: sorry.address, port: $0).description }
            pairs.append(("sorry_server", Node(address ?? sorry.address.description, Tag(.str))))
        }
        return Node(pairs)
    }

    private static func check(_ check: CheckSettings, serviceKeys: Bool) -> Node {
        var pairs: [(Node, Node)] = [
            ("type", Node(check.type.rawValue)),
            ("interval", duration(check.interval)),
            ("timeout", duration(check.timeout)),
            ("rise", Node(String(check.rise))),
            ("fall", Node(String(check.fall))),
            ("mode", Node(check.mode.rawValue)),
        ]
        let http = check.type == .http
        if http {
            pairs.append(("path", Node(check.path, Tag(.str))))
            pairs.append(("expect_status", Node(check.expectStatus.description, Tag(.str), .doubleQuoted)))
        }
        pairs.append(("slow_start", duration(check.slowStart)))
        pairs.append(("keep_last", Node(String(check.keepLast))))
        if http, let file = check.tlsCAFile { pairs.append(("tls_ca_file", Node(file, Tag(.str)))) }
        if check.type == .exec {
            pairs.append(("command", Node(check.command.map { Node($0, Tag(.str), .doubleQuoted) })))
            pairs.append(("dynamic_weight", Node(String(check.dynamicWeight))))
        }
        // Only when set, after the rest: the printed file reads as before for configs without them.
        var optional: [(Node, Node)] = check.alpha ? [(Node("alpha"), Node("true"))] : []
        if !check.onChange.isEmpty {
            optional.append((Node("on_change"), Node(check.onChange.map { Node($0, Tag(.str), .doubleQuoted) })))
        }
        guard serviceKeys else { return Node(pairs + optional) }
        if http, let host = check.host { pairs.append(("host", Node(host, Tag(.str), .doubleQuoted))) }
        if http, let body = check.expectBody { pairs.append(("expect_body", Node(body, Tag(.str), .doubleQuoted))) }
        if let port = check.port { pairs.append(("port", Node(String(port)))) }
        if http {
            pairs.append(("scheme", Node(check.scheme.rawValue)))
            pairs.append(("tls_verify", Node(String(check.tlsVerify))))
        }
        return Node(pairs + optional)
    }

    private static func duration(_ value: Duration) -> Node { Node(PrometheusDuration.format(value)) }

    private static func hex(_ mark: UInt32) -> String { "0x" + String(mark, radix: 16) }
}
