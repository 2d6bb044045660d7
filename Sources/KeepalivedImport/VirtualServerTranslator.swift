import Agent
import Primitives

/// One `virtual_server` block as drcheck services (one per service a `group` expands to) and their IPVS rules.
struct VirtualServerTranslator {
    let block: KeepalivedBlock
    let groups: [String: KeepalivedBlock]
    let collector: WarningCollector

    /// Keys read here or by the checker translator; any other is a warning.
    static let serviceKeys: Set = [
        "lb_algo", "lvs_sched", "lb_kind", "lvs_method", "persistence_timeout", "persistence_granularity",
        "protocol", "ops", "flag-1", "flag-2", "flag-3", "sh-port", "sh-fallback", "mh-port", "mh-fallback",
        "delay_loop", "connect_timeout", "retry", "nb_get_retry", "delay_before_retry", "virtualhost",
        "inhibit_on_failure", "snmp_name", "ip_family", "real_server", "sorry_server", "alpha",
        "sorry_server_inhibit", "sorry_server_lvs_method",
    ]
    static let schedulerFlags = ["flag-1", "flag-2", "flag-3", "sh-port", "sh-fallback", "mh-port", "mh-fallback"]

    var origin: String { "\(block.keyword) \(block.arguments.joined(separator: " ")) (\(block.place))" }

    /// The services, or why there are none.
    func services() -> Result<[ImportedService], VirtualServerGroup.Reason> {
        let servers = block.all("real_server").map(RealServerTranslator.init)
        let keys: [ServiceKey]
        switch serviceKeys(servers) {
        case .success(let found): keys = found
        case .failure(let reason): return .failure(reason)
        }
        var notes: [String] = []
        for statement in block.children ?? [] where !Self.serviceKeys.contains(statement.keyword) {
            notes.append(notice(statement))
        }
        let translated = servers.map {
            $0.translate(scopes: [block], collector: collector) { type in keys.allSatisfy(type.canJudge) }
        }
        var check = chosenCheck(translated)
        let forwarding = forwardingMethod("lvs_method", "lb_kind")
        let methods = translated.map { $0.method ?? forwarding.kind }
        if check.fields.type == .exec {
            // The command decides how to reach the server: no mode.
        } else if !methods.contains("DR") {
            check.fields.ripMode = true
            check.note("mode", "lb_kind \(methods.first ?? forwarding.kind): probed at the real server's own address")
        } else if methods.contains(where: { $0 != "DR" }) {
            check.note("mode", "only the DR real servers are probed through the DR path, the others at their address")
        }
        onChange(translated, into: &check)
        // keepalived checks each real server with its own checker: one that differs from the service's is the
        // server's own check, its mode the service's.
        var realServers = translated.map(\.server)
        for (index, server) in translated.enumerated() {
            guard var own = server.checks.first, own.fields != check.fields else { continue }
            own.fields.ripMode = check.fields.ripMode
            (own.fields.alpha, own.fields.onChange) = (check.fields.alpha, check.fields.onChange)
            if own.fields != check.fields { realServers[index].check = own }
        }
        if check.fields.alpha {
            check.note(
                "alpha",
                "keepalived's alpha: servers added later start down; drcheck's own start never takes a serving pool out"
            )
        }
        return .success(
            keys.map { key in
                var service = ImportedService(
                    origin: origin, key: key, notes: notes, check: check,
                    realServers: realServers, rules: rules(key, translated, forwarding))
                if translated.isEmpty {
                    service.notes.append("no real_server: nothing for drcheck to check; left out")
                    service.listed = false
                } else if translated.allSatisfy({ $0.checks.isEmpty }) {
                    service.notes.append(
                        "drcheck cannot judge any of its checks, and a tcp check could drain servers keepalived keeps; "
                            + "left out so that, with discover: false, drcheck never changes its weights")
                    service.listed = false
                    service.check.note("", "no check drcheck can make: write one (an exec check can run anything)")
                }
                sorry(into: &service)
                fwmarkPort(into: &service, translated)
                if service.listed, let why = service.check.fields.type.canJudge(key) ? nil : "a \(key) service" {
                    service.notes.append(
                        collector.warn(
                            block.place,
                            "\(why): drcheck's \(service.check.fields.type) check cannot judge it; left out"))
                    service.listed = false
                }
                return service
            })
    }

    /// The first real server's check: drcheck checks every real server of a service alike.
    private func chosenCheck(_ servers: [RealServerTranslator.Translated]) -> ImportedCheck {
        guard let first = servers.first(where: { !$0.checks.isEmpty })?.checks.first else {
            var check = ImportedCheck()
            check.fields.type = .tcp
            return check
        }
        return first
    }

    /// notify_up and notify_down as one on_change hook when every real server names the same script for both.
    private func onChange(_ servers: [RealServerTranslator.Translated], into check: inout ImportedCheck) {
        let scripts = Set(servers.compactMap(\.notify))
        guard !scripts.isEmpty else { return }
        if scripts.count == 1, let (up, down) = scripts.first.map({ ($0.up, $0.down) }), up == down, let up {
            check.fields.onChange = ScriptCommand(up).argv
            check.note(
                "on_change",
                "notify_up and notify_down: drcheck runs it on every state change, DRCHECK_EVENT says which")
            return
        }
        for server in servers where server.notify != nil {
            check.note(
                "",
                collector.warn(
                    server.place,
                    "\(server.server.address): notify_up \(server.notify?.up ?? "-") and notify_down "
                        + "\(server.notify?.down ?? "-"): drcheck runs one on_change hook for every event "
                        + "(DRCHECK_EVENT up, down, ...): write one script for both"))
        }
    }

    private func serviceKeys(_ servers: [RealServerTranslator]) -> Result<[ServiceKey], VirtualServerGroup.Reason> {
        let args = block.arguments
        let transport: TransportProtocol =
            switch block.value("protocol")?.uppercased() {
            case "UDP": .udp
            case "SCTP": .sctp
            default: .tcp
            }
        let allIPv6 = !servers.isEmpty && servers.allSatisfy { $0.address?.family == .ipv6 }
        let family: AddressFamily = block.value("ip_family") == "inet6" || allIPv6 ? .ipv6 : .ipv4
        switch args.first {
        case "fwmark":
            guard let mark = args.dropFirst().first.flatMap({ UInt32($0) }), mark > 0 else {
                return .failure(.init("fwmark needs a mark from 1 to 4294967295"))
            }
            return .success([.fwmark(mark, family: family)])
        case "group":
            guard let name = args.dropFirst().first, let group = groups[name] else {
                return .failure(.init("no virtual_server_group \(args.dropFirst().first ?? "") is defined"))
            }
            var keys: [ServiceKey] = []
            for entry in group.children ?? [] {
                switch VirtualServerGroup.services(entry, transport: transport) {
                case .success(let found):
                    keys += found.map { key in
                        guard case .fwmark(let mark, .ipv4) = key, entry.arguments.count < 2 else { return key }
                        return .fwmark(mark, family: family)
                    }
                case .failure(let reason):
                    _ = collector.warn(entry.place, "group \(name): \(reason.text): no service made of it")
                }
            }
            return .success(keys)
        default:
            let text = args.joined(separator: " ")
            guard let address = args.first.flatMap(IPAddress.init) else {
                return .failure(.init("\(text): not ADDRESS PORT, fwmark N or group NAME"))
            }
            guard let port = args.dropFirst().first.flatMap({ UInt16($0) }), port > 0 else {
                let listed = servers.map { $0.block.arguments.joined(separator: " ") }
                return .failure(
                    .init(
                        "\(text): an all-ports service (no port, or 0), which drcheck does not check"
                            + (listed.isEmpty
                                ? "" : "; its real servers go unchecked: \(listed.joined(separator: ", "))")))
            }
            if args.count > 2 {
                _ = collector.warn(
                    block.place,
                    "virtual_server \(text): \(args.dropFirst(2).joined(separator: " ")) left out (drcheck "
                        + "and ipvsadm name a service by address and port)")
            }
            return .success([.virtual(Endpoint(address: address, port: port), transport)])
        }
    }

    /// The forwarding method the last of `keywords` states (keepalived's default: NAT); what cannot be carried over
    /// is a warning.
    private func forwardingMethod(_ keywords: String...) -> (kind: String, option: String) {
        guard let statement = keywords.compactMap({ block.last($0) }).first else { return ("NAT", "-m") }
        let method = IPVSRules.method(statement.arguments)
        if let problem = method.problem { _ = collector.warn(statement.place, problem) }
        return (method.kind, method.option)
    }

    private func rules(
        _ key: ServiceKey, _ servers: [RealServerTranslator.Translated], _ forwarding: (kind: String, option: String)
    ) -> ServiceRules {
        // Values go into ipvsadm's input as words: one that is not what ipvsadm takes there is left out.
        let scheduler = rulesWord("lvs_sched", { $0.allSatisfy { $0.isASCII && $0.isLowercase } })
        var scheduling =
            "-s \((scheduler ?? rulesWord("lb_algo", { $0.allSatisfy { $0.isASCII && $0.isLowercase } })) ?? "wlc")"
        let flags = Self.schedulerFlags.filter { block.last($0) != nil }
        if !flags.isEmpty { scheduling += " -b \(flags.joined(separator: ","))" }
        // keepalived: persistence_timeout without a value is 360 s, 0 is no persistence.
        if block.last("persistence_timeout") != nil {
            let timeout = rulesWord("persistence_timeout", { UInt32($0) != nil }) ?? "360"
            if timeout != "0" { scheduling += " -p \(timeout)" }
        }
        // A netmask, or for IPv6 a prefix length (ipvsadm -M takes either).
        let granularity: (String) -> Bool = {
            IPAddress($0) != nil || (key.family == .ipv6 && UInt8($0).map { (1...128).contains($0) } == true)
        }
        if let mask = rulesWord("persistence_granularity", granularity) { scheduling += " -M \(mask)" }
        if let ops = block.last("ops") {
            if case .virtual(_, .tcp) = key {
                _ = collector.warn(
                    ops.place, "ops: one-packet scheduling is for UDP; ipvsadm refuses it on a TCP service, left out")
            } else if case .virtual(_, .sctp) = key {
                _ = collector.warn(
                    ops.place, "ops: one-packet scheduling is for UDP; ipvsadm refuses it on an SCTP service, left out")
            } else {
                scheduling += " -o"
            }
        }
        var rules = ServiceRules(service: IPVSRules.serviceOption(key), scheduling: scheduling)
        for server in servers {
            rules.destinations.append(
                (server.ruleAddress(key), (server.ruleOptions ?? forwarding.option) + server.thresholds, server.weight))
        }
        if let sorry = sorryEndpoint() {
            let method =
                block.last("sorry_server_lvs_method") != nil ? forwardingMethod("sorry_server_lvs_method") : forwarding
            rules.destinations.append((sorry, method.option, 0))
        }
        return rules
    }

    /// The value of `keyword` when `valid`; one that is not is a warning.
    private func rulesWord(_ keyword: String, _ valid: (String) -> Bool) -> String? {
        guard let statement = block.last(keyword), let value = statement.arguments.first else { return nil }
        guard valid(value) else {
            _ = collector.warn(statement.place, "\(keyword) \(value): not valid here, left out of the rules")
            return nil
        }
        return value
    }

    /// `sorry_server ADDR [PORT]` as drcheck and ipvsadm write it.
    private func sorryEndpoint() -> String? {
        guard let sorry = block.last("sorry_server"), let address = sorry.arguments.first.flatMap(IPAddress.init)
        else { return nil }
        return RealServerTranslator.text(address, sorry.arguments.dropFirst().first.flatMap { UInt16($0) })
    }

    private func sorry(into service: inout ImportedService) {
        guard let sorry = block.last("sorry_server") else { return }
        guard let text = sorryEndpoint() else {
            service.notes.append(collector.warn(sorry.place, "sorry_server: not an address: left out"))
            return
        }
        var server = ImportedRealServer(address: text)
        server.notes.append("the rules add it at weight 0; drcheck raises it while no real server is up")
        if block.last("sorry_server_inhibit") != nil {
            server.notes.append("sorry_server_inhibit: drcheck sets the sorry server to 0 and never removes it")
        }
        service.sorryServer = server
    }

    /// A fwmark service needs the port to probe: connect_port, else the first real server's.
    private func fwmarkPort(into service: inout ImportedService, _ servers: [RealServerTranslator.Translated]) {
        guard case .fwmark = service.key, service.check.fields.type != .exec, service.check.fields.port == nil
        else { return }
        if let port = servers.lazy.compactMap(\.port).first {
            service.check.fields.port = port
            service.check.note("port", "a fwmark service's check needs a port: the first real server's")
        } else {
            service.notes.append(
                collector.warn(block.place, "fwmark service: no connect_port or real server port to probe; left out"))
            service.listed = false
        }
    }

    /// The comment for a key drcheck has no use for; a warning when it changes what keepalived does.
    private func notice(_ statement: KeepalivedBlock) -> String {
        let words = ([statement.keyword] + statement.arguments).joined(separator: " ")
        switch statement.keyword {
        case "quorum", "hysteresis", "quorum_up", "quorum_down":
            return collector.warn(
                statement.place, "\(words): drcheck has no quorum; keep_last and sorry_server come closest")
        case "ha_suspend":
            return collector.warn(
                statement.place, "ha_suspend: drcheck checks whether or not the VIP is on this director")
        default:
            return collector.warn(statement.place, "\(words): no drcheck equivalent, ignored")
        }
    }
}
