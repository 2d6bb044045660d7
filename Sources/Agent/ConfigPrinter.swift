import Primitives

/// The effective configuration as YAML that `ConfigParser` reads back to the same `Config`.
public enum ConfigPrinter {
    public static func yaml(_ config: Config) -> String {
        let top: [(String, YAMLText)] = [
            ("listen", .scalar(config.listen)),
            ("state_file", .scalar(config.stateFile)),
            ("discover", .scalar(String(config.discover))),
            ("discovery_interval", duration(config.discoveryInterval)),
            ("defaults", check(config.defaults, serviceKeys: false)),
            ("dr_sysctls", .scalar(config.drSysctls.rawValue)),
            ("arp_watch", duration(config.arpWatch)),
            ("on_arp_conflict", .scalar(config.onArpConflict.rawValue)),
            ("probe_marks", .scalar(hex(config.probeMarks.lowerBound) + "-" + hex(config.probeMarks.upperBound))),
            ("max_probes_in_flight", .scalar(String(config.maxProbesInFlight))),
            ("max_commands_in_flight", .scalar(String(config.maxCommandsInFlight))),
            ("on_change_timeout", duration(config.onChangeTimeout)),
            ("max_hooks_in_flight", .scalar(String(config.maxHooksInFlight))),
            (
                "metrics",
                .map([
                    ("probe_durations", .scalar(String(config.metrics.probeDurations))),
                    ("ipvs_counters", .scalar(String(config.metrics.ipvsCounters))),
                ])
            ),
            ("log_format", .scalar(config.logFormat.rawValue)),
        ]
        // Only when set: the printed file reads as before without them.
        let peers: [(String, YAMLText)] =
            config.peers.isEmpty ? [] : [("peers", .list(config.peers.map { .scalar($0.description, quoted: true) }))]
        let fleet: [(String, YAMLText)] = config.fleet.map { [("fleet", Self.fleet($0))] } ?? []
        return YAMLText.map(top + peers + fleet + [("services", .list(config.services.map(service)))]).document
    }

    private static func fleet(_ fleet: FleetSettings) -> YAMLText {
        .map(
            [("etcd", .list(fleet.etcd.map { .scalar($0.description, quoted: true) }))]
                + (fleet.name.map { [("name", .scalar($0, quoted: true))] } ?? []) + [
                    ("quorum", .scalar(String(fleet.quorum))), ("lease", duration(fleet.lease)),
                    ("prefix", .scalar(fleet.prefix, quoted: true)),
                ])
    }

    private static func service(_ service: ServiceConfig) -> YAMLText {
        var pairs: [(String, YAMLText)] = []
        if let name = service.name { pairs.append(("name", .scalar(name))) }
        switch service.key {
        case .virtual(let vip, let proto):
            pairs.append(("vip", .scalar(vip.description, quoted: true)))
            pairs.append(("protocol", .scalar(proto.description)))
        case .fwmark(let mark, let family):
            pairs.append(("fwmark", .scalar(String(mark))))
            pairs.append(("family", .scalar(family.description)))
        }
        pairs.append(("check", check(service.check, serviceKeys: true)))
        let servers = service.realServers.map { server -> YAMLText in
            let address = server.port.map { Endpoint(address: server.address, port: $0).description }
            var pairs: [(String, YAMLText)] = [("address", .scalar(address ?? server.address.description))]
            if let weight = server.weight { pairs.append(("weight", .scalar(String(weight)))) }
            if let own = server.check { pairs.append(("check", check(own, serviceKeys: true, serviceWide: false))) }
            return .map(pairs)
        }
        pairs.append(("real_servers", .list(servers)))
        if let sorry = service.sorryServer {
            let address = sorry.port.map { Endpoint(address: sorry.address, port: $0).description }
            pairs.append(("sorry_server", .scalar(address ?? sorry.address.description)))
        }
        return .map(pairs)
    }

    /// Request headers as a mapping; a credential's value is never printed (the printed config goes to terminals
    /// and logs).
    private static func headers(_ lines: [String]) -> YAMLText {
        .map(
            lines.map { line in
                let colon = line.firstIndex(of: ":") ?? line.endIndex
                let name = String(line[..<colon])
                let secret = ["authorization", "proxy-authorization", "cookie"].contains(name.lowercased())
                let value = secret ? "(not shown)" : String(line[colon...].dropFirst().drop { $0 == " " })
                return (name, .scalar(value, quoted: true))
            })
    }

    /// `serviceWide`: with the keys a real server's own check leaves to its service's.
    private static func check(_ check: CheckSettings, serviceKeys: Bool, serviceWide: Bool = true) -> YAMLText {
        var pairs: [(String, YAMLText)] = [
            ("type", .scalar(check.type.rawValue)),
            ("interval", duration(check.interval)),
            ("interval_jitter", .scalar("\(check.intervalJitter)%")),
            ("timeout", duration(check.timeout)),
            ("rise", .scalar(String(check.rise))),
            ("fall", .scalar(String(check.fall))),
            ("mode", .scalar(check.mode.rawValue)),
        ]
        let http = check.type == .http
        // What an HTTP/2 gRPC check shares with an http check: the connection's keys.
        let web = http || check.type == .grpc
        if http {
            pairs.append(("path", .scalar(check.path)))
            pairs.append(("expect_status", .scalar(check.expectStatus.description, quoted: true)))
            if check.method != .get { pairs.append(("method", .scalar(check.method.rawValue))) }
            if !check.headers.isEmpty { pairs.append(("headers", headers(check.headers))) }
            if let name = check.weightHeader { pairs.append(("weight_header", .scalar(name, quoted: true))) }
        }
        pairs.append(("slow_start", duration(check.slowStart)))
        pairs.append(("keep_last", .scalar(String(check.keepLast))))
        if web, let file = check.tlsCAFile { pairs.append(("tls_ca_file", .scalar(file))) }
        if check.type == .exec {
            pairs.append(("command", .list(check.command.map { .scalar($0, quoted: true) })))
            pairs.append(("dynamic_weight", .scalar(String(check.dynamicWeight))))
        }
        // Only when set, after the rest: the printed file reads as before for configs without them.
        var optional: [(String, YAMLText)] = check.alpha ? [("alpha", .scalar("true"))] : []
        if let fast = check.fastInterval { optional.append(("fast_interval", duration(fast))) }
        if let down = check.downInterval { optional.append(("down_interval", duration(down))) }
        if let damping = check.flapDamping {
            let pairs: [(String, YAMLText)] = [
                ("half_life", duration(damping.halfLife)), ("suppress", .scalar(number(damping.suppress))),
                ("reuse", .scalar(number(damping.reuse))), ("max_suppress", duration(damping.maxSuppress)),
            ]
            optional.append(("flap_damping", .map(pairs)))
        }
        if web, check.tlsResume > .zero { optional.append(("tls_resume", duration(check.tlsResume))) }
        if check.type == .udp, !check.requireReply { optional.append(("require_reply", .scalar("false"))) }
        if check.type == .dns {
            optional.append(("query_name", .scalar(check.queryName, quoted: true)))
            optional.append(("query_type", .scalar(check.queryType.rawValue)))
            if check.dnsTransport == .tcp { optional.append(("dns_transport", .scalar("tcp"))) }
            optional.append(("expect_rcode", .list(check.expectRcode.map { .scalar($0.rawValue) })))
            if !check.expectAddress.isEmpty {
                optional.append(
                    ("expect_address", .list(check.expectAddress.map { .scalar($0.description, quoted: true) })))
            }
        }
        if !check.onChange.isEmpty {
            optional.append(("on_change", .list(check.onChange.map { .scalar($0, quoted: true) })))
        }
        guard serviceKeys else { return .map(pairs + optional) }
        if web, let host = check.host { pairs.append(("host", .scalar(host, quoted: true))) }
        if http, let body = check.expectBody { pairs.append(("expect_body", .scalar(body, quoted: true))) }
        let talks = check.type == .tcp || check.type == .udp
        if talks, let send = check.send { pairs.append(("send", .scalar(send, quoted: true))) }
        if talks, let bytes = check.sendHex {
            pairs.append(("send_hex", .scalar(HexBytes.encode(bytes), quoted: true)))
        }
        if talks, let expect = check.expect { pairs.append(("expect", .scalar(expect, quoted: true))) }
        if check.type == .grpc, !check.grpcService.isEmpty {
            pairs.append(("grpc_service", .scalar(check.grpcService, quoted: true)))
        }
        if let port = check.port { pairs.append(("port", .scalar(String(port)))) }
        if web {
            pairs.append(("scheme", .scalar(check.scheme.rawValue)))
            pairs.append(("tls_verify", .scalar(String(check.tlsVerify))))
        }
        return .map((pairs + optional).filter { serviceWide || !ConfigParser.serviceWideKeys.contains($0.0) })
    }

    private static func duration(_ value: Duration) -> YAMLText { .scalar(PrometheusDuration.format(value)) }

    /// `3`, not `3.0`; `1.5` as it is.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func hex(_ mark: UInt32) -> String { "0x" + String(mark, radix: 16) }
}
