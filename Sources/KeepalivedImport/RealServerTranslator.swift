import Agent
import Primitives

/// One `real_server` block: its address, weight, forwarding method, checks and notify scripts.
struct RealServerTranslator {
    let block: KeepalivedBlock

    init(_ block: KeepalivedBlock) { self.block = block }

    var address: IPAddress? { block.arguments.first.flatMap(IPAddress.init) }
    /// Nil for none, and for 0 (a fwmark service's destination without a port of its own).
    var port: UInt16? { block.arguments.dropFirst().first.flatMap { UInt16($0) }.flatMap { $0 == 0 ? nil : $0 } }

    static let serverKeys: Set = [
        "weight", "lvs_method", "lb_kind", "inhibit_on_failure", "notify_up", "notify_down", "uthreshold",
        "lthreshold", "snmp_name", "virtualhost", "connect_timeout", "retry", "nb_get_retry", "delay_before_retry",
        "delay_loop",
    ]

    struct Translated {
        let place: SourcePlace
        var server: ImportedRealServer
        let port: UInt16?
        let weight: Int
        /// Its own forwarding kind (NAT, DR, TUN) and the words of its destination rule after `-r` (forwarding
        /// option, thresholds); nil kind: the service's.
        var method: String?
        var ruleOptions: String?
        var thresholds = ""
        /// Its checkers drcheck can make, in order.
        var checks: [ImportedCheck] = []
        var notify: Notify?

        /// The destination as ipvsadm's -r takes it: a fwmark's may go without a port, a VIP's takes the VIP's.
        func ruleAddress(_ key: ServiceKey) -> String {
            guard port == nil, let vip = key.vip, let address = IPAddress(server.address) else {
                return server.address
            }
            return RealServerTranslator.text(address, vip.port)
        }
    }

    struct Notify: Hashable {
        let up: String?
        let down: String?
    }

    /// `judges`: whether a check of that type can judge the service (a DNS_CHECK cannot judge a TCP service).
    func translate(scopes: [KeepalivedBlock], collector: WarningCollector, judges: (CheckType) -> Bool)
        -> Translated
    {
        let weight = block.value("weight").flatMap { Int($0) } ?? 1
        let written = block.arguments.joined(separator: " ")
        var server = ImportedRealServer(address: address.map { Self.text($0, port) } ?? written)
        if address == nil {
            server.notes.append(collector.warn(block.place, "real_server \(written): not an IP address"))
        }
        if weight > 0 {
            server.weight = weight
        } else {
            server.notes.append("weight 0: an operator's drain to drcheck, left at 0 until someone sets a weight")
        }
        if block.last("inhibit_on_failure") != nil {
            server.notes.append("inhibit_on_failure: what drcheck always does (weight 0, never removed)")
        }
        var result = Translated(place: block.place, server: server, port: port, weight: weight)
        if let statement = block.last("lvs_method") ?? block.last("lb_kind") {
            let method = IPVSRules.method(statement.arguments)
            (result.method, result.ruleOptions) = (method.kind, method.option)
            if let problem = method.problem { result.server.notes.append(collector.warn(statement.place, problem)) }
        }
        for (keyword, option) in [("uthreshold", "-x"), ("lthreshold", "-y")] {
            guard let statement = block.last(keyword), let value = statement.arguments.first else { continue }
            guard let number = UInt32(value) else {
                result.server.notes.append(
                    collector.warn(statement.place, "\(keyword) \(value): not a number, left out"))
                continue
            }
            result.thresholds += " \(option) \(number)"
        }
        let checker = CheckerTranslator(scopes: scopes + [block], collector: collector)
        let name = ServerName(address: block.arguments.first ?? "", port: port)
        let checkers = (block.children ?? []).filter { CheckerTranslator.checkers.contains($0.keyword) }
        for statement in checkers {
            switch checker.translate(statement, server: name) {
            case .check(let check) where !judges(check.fields.type):
                result.server.notes.append(
                    collector.warn(
                        statement.place,
                        "drcheck cannot judge this check: \(statement.keyword) (a \(check.fields.type) check judges "
                            + "no service of this protocol)"))
            case .check(let check) where result.checks.isEmpty:
                result.checks.append(check)
            case .check:
                result.server.notes.append(
                    collector.warn(
                        statement.place,
                        "\(statement.keyword) not checked: drcheck runs one check per real server, its first"))
            case .cannot(let what):
                result.server.notes.append(
                    collector.warn(statement.place, "drcheck cannot judge this check: \(what)"))
            }
        }
        if checkers.isEmpty {
            result.server.notes.append(
                collector.warn(block.place, "no checker: keepalived kept it up unchecked, drcheck checks it"))
        }
        let up = block.last("notify_up")?.arguments.first
        let down = block.last("notify_down")?.arguments.first
        if up != nil || down != nil { result.notify = Notify(up: up, down: down) }
        for statement in block.children ?? []
        where !Self.serverKeys.contains(statement.keyword) && !CheckerTranslator.checkers.contains(statement.keyword) {
            let text =
                statement.keyword == "alpha"
                ? "alpha on one real server: drcheck's alpha is its service's (check: alpha), not carried over"
                : CheckerTranslator.ignored(statement.keyword)
            result.server.notes.append(collector.warn(statement.place, text))
        }
        return result
    }

    /// ADDR, ADDR:PORT or [ADDR6]:PORT.
    static func text(_ address: IPAddress, _ port: UInt16?) -> String {
        port.map { Endpoint(address: address, port: $0).description } ?? address.description
    }
}
