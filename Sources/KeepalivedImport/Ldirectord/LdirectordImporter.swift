import Agent
import Glibc
import Primitives

/// `drcheck config import ldirectord`: an ldirectord.cf translated into drcheck's terms (ldirectord(8)'s keys and
/// defaults), written as drcheck YAML and as the ipvsadm rules of ldirectord's table, with the same rules as the
/// keepalived import: a comment at each place, a FILE:LINE warning for whatever is not carried over.
public enum LdirectordImporter {
    /// Keys of a virtual section this import reads; any other is a warning.
    static let virtualKeys: Set = [
        "real", "real6", "service", "checktype", "request", "receive", "virtualhost", "checkport", "checkinterval",
        "checktimeout", "negotiatetimeout", "failurecount", "quiescent", "fallback", "scheduler", "persistent",
        "netmask", "protocol", "checkcommand", "httpmethod", "ops", "servicename", "comment", "fallback6",
    ]
    /// Global keys read here; others are warnings too.
    static let globalKeys: Set = [
        "checkinterval", "checktimeout", "negotiatetimeout", "failurecount", "quiescent", "fallback", "fallback6",
    ]

    public static func translate(file: String) throws(ImportError) -> ImportedConfig {
        let bytes: [UInt8]
        do {
            bytes = try ConfigFile.read(file)
        } catch {
            throw ImportError(file: file, "cannot read: \(error)")
        }
        guard !bytes.contains(0) else { throw ImportError(file: file, "not an ldirectord configuration: binary data") }
        let parsed = try LdirectordConfig(String(decoding: bytes, as: UTF8.self), file: file)
        let collector = WarningCollector()
        var config = ImportedConfig(source: file)
        config.header = [
            "drcheck configuration imported from ldirectord's \(file) (drcheck config import ldirectord).",
            "ldirectord built the IPVS table, drcheck only changes weights: load the table first (--ipvsadm rules,",
            "ipvsadm-restore). drcheck never removes a failing real server, it sets weight 0 (quiescent=yes).",
            "rise: 1 and fall: failurecount count as ldirectord did.",
        ]
        for setting in parsed.globals where !globalKeys.contains(setting.key) {
            config.notes.append("\(setting.place): " + collector.warn(setting.place, ignored(setting)))
        }
        for virtual in parsed.virtuals {
            switch LdirectordService(virtual, globals: parsed, collector: collector).translated() {
            case .success(let service): config.services.append(service)
            case .failure(let reason):
                config.notes.append(
                    collector.warn(virtual.place, "virtual=\(virtual.address): \(reason): not translated"))
            }
        }
        config.leaveOutDuplicates()
        config.warnings = collector.warnings
        return config
    }

    static func ignored(_ setting: LdirectordConfig.Setting) -> String {
        switch setting.key {
        case "maintenancedir": "maintenancedir: drcheck drain SERVICE SERVER takes a server out instead"
        case "emailalert", "emailalertfrom", "emailalertfreq", "emailalertstatus", "smtp":
            "\(setting.key): drcheck sends no mail: an on_change hook can"
        default: "\(setting.key) = \(setting.value): no drcheck equivalent, ignored"
        }
    }
}

/// One virtual section as a drcheck service.
struct LdirectordService {
    let virtual: LdirectordConfig.Virtual
    let globals: LdirectordConfig
    let collector: WarningCollector

    init(_ virtual: LdirectordConfig.Virtual, globals: LdirectordConfig, collector: WarningCollector) {
        (self.virtual, self.globals, self.collector) = (virtual, globals, collector)
    }

    /// A virtual key's value, else the global one.
    private func value(_ key: String) -> String? { virtual.value(key) ?? globals.global(key) }

    func translated() -> Result<ImportedService, Reason> {
        let key: ServiceKey
        switch serviceKey() {
        case .success(let found): key = found
        case .failure(let reason): return .failure(reason)
        }
        for setting in virtual.settings where !LdirectordImporter.virtualKeys.contains(setting.key) {
            _ = collector.warn(setting.place, LdirectordImporter.ignored(setting))
        }
        var (check, judged) = self.check(key)
        var reals = virtual.settings.filter { $0.key == "real" || $0.key == "real6" }.flatMap(realServers)
        let methods = Set(reals.map(\.method))
        if check.fields.type != .exec, !methods.contains("-g") {
            check.fields.ripMode = true
            check.note("mode", "not gate (direct routing): probed at the real server's own address")
        }
        // A real server's own "request", "receive" pair overrides the virtual's: its own check.
        for index in reals.indices {
            guard let (request, receive) = reals[index].request, check.fields.type == .http else { continue }
            var own = check
            own.notes = [:]
            own.fields.path = request.hasPrefix("/") ? request : "/" + request
            own.fields.expectBody = receive.isEmpty ? nil : receive
            if own.fields != check.fields { reals[index].server.check = own }
        }
        if value("quiescent")?.lowercased() == "no" {
            check.note("", "quiescent = no: ldirectord removed a failing real server; drcheck sets its weight to 0")
        }
        var service = ImportedService(
            origin: "virtual=\(virtual.address) (\(virtual.place))", key: key, check: check,
            realServers: reals.map(\.server),
            rules: ServiceRules(service: IPVSRules.serviceOption(key), scheduling: scheduling(key)))
        service.listed = judged
        for real in reals { service.rules.destinations.append((real.rule, real.method, real.weight)) }
        // ldirectord's fallback serves an IPv4 virtual service, fallback6 an IPv6 one.
        let fallbackKey = key.family == .ipv6 ? "fallback6" : "fallback"
        if let fallback = value(fallbackKey) {
            let words = fallback.split(separator: " ").map(String.init)
            if let endpoint = words.first.flatMap({ Self.endpoint($0, defaultPort: key.vip?.port) }) {
                // One destination cannot be both: it stays a real server, checked like the others.
                if reals.contains(where: { $0.rule == endpoint }) {
                    let place = virtual.settings.last { $0.key == fallbackKey }?.place ?? virtual.place
                    service.notes.append(
                        collector.warn(
                            place, "\(fallbackKey) \(endpoint) is also a real server: kept as one, no sorry server"))
                } else {
                    service.sorryServer = ImportedRealServer(address: endpoint)
                    service.rules.destinations.append((endpoint, Self.method(words.dropFirst().first), 0))
                }
            }
        }
        if reals.isEmpty { service.notes.append("no real server: nothing for drcheck to check") }
        return .success(service)
    }

    struct Reason: Error, CustomStringConvertible {
        let description: String
        init(_ text: String) { description = text }
    }

    private func serviceKey() -> Result<ServiceKey, Reason> {
        let protocolName = virtual.value("protocol")?.lowercased()
        if let mark = UInt32(virtual.address), mark > 0 {
            return .success(.fwmark(mark, family: virtual.ipv6 ? .ipv6 : .ipv4))
        }
        guard let colon = virtual.address.lastIndex(of: ":"),
            let address = IPAddress(String(virtual.address[..<colon]).trimmingCharacters(in: "[]")),
            let port = Self.port(String(virtual.address[virtual.address.index(after: colon)...]))
        else {
            return .failure(Reason("not ADDRESS:PORT or a firewall mark (a host name is not resolved here)"))
        }
        let transport: TransportProtocol = protocolName == "udp" || (protocolName == nil && port == 53) ? .udp : .tcp
        return .success(.virtual(Endpoint(address: address, port: port), transport))
    }

    private func scheduling(_ key: ServiceKey) -> String {
        var text = "-s \(value("scheduler") ?? "wrr")"
        if let persistent = virtual.value("persistent"), let seconds = UInt32(persistent), seconds > 0 {
            text += " -p \(seconds)"
            if let mask = virtual.value("netmask") { text += " -M \(mask)" }
        }
        if virtual.value("ops")?.lowercased() == "yes", case .virtual(_, .udp) = key { text += " -o" }
        return text
    }

    /// The check, and whether drcheck can judge the service with it (else the service is written commented out).
    private func check(_ key: ServiceKey) -> (ImportedCheck, Bool) {
        var check = ImportedCheck()
        check.fields.interval = .seconds(Int(value("checkinterval") ?? "") ?? 10)
        check.fields.fall = Int(value("failurecount") ?? "") ?? 1
        check.fields.port = virtual.value("checkport").flatMap { UInt16($0) }
        let checktype = virtual.value("checktype")?.lowercased() ?? "negotiate"
        let service = virtual.value("service")?.lowercased() ?? Self.service(forPort: key.vip?.port)
        let negotiates = checktype == "negotiate" || UInt32(checktype) != nil
        let timeoutKeys = negotiates ? ["negotiatetimeout", "checktimeout"] : ["checktimeout", "negotiatetimeout"]
        let timeout = timeoutKeys.lazy.compactMap { self.value($0).flatMap { Int($0) } }.first ?? (negotiates ? 30 : 5)
        check.fields.timeout = .seconds(timeout)
        if check.fields.timeout > check.fields.interval {
            check.note("timeout", "ldirectord's timeout \(timeout)s is longer than checkinterval: clamped to it")
            check.fields.timeout = check.fields.interval
        }
        var judged = true
        switch checktype {
        case "connect" where Self.isUDP(key):
            judged = false
            check.note("", warn("checktype", "connect on a UDP service is ldirectord's ping: drcheck cannot judge it"))
        case "connect":
            check.fields.type = .tcp
        case "external", "external-perl":
            check.fields.type = .exec
            let command = value("checkcommand")?.unquoted ?? "/bin/true"
            check.fields.command =
                ScriptCommand(command).argv + [
                    key.vip.map { $0.address.description } ?? "${DRCHECK_FWMARK}", "${DRCHECK_VPORT}", "${DRCHECK_RIP}",
                    "${DRCHECK_RPORT}",
                ]
            check.note("command", "ldirectord passes the VIP, its port, the real server and its port")
        case "ping", "off", "on":
            judged = false
            let what = [
                "ping": "an ICMP ping", "off": "no check (no server ever activated)",
                "on": "no check (every server always up)",
            ]
            check.note("", warn("checktype", "checktype = \(checktype): \(what[checktype]!); drcheck cannot judge it"))
        default:
            if UInt32(checktype) != nil {
                check.note(
                    "",
                    warn(
                        "checktype",
                        "checktype = \(checktype): ldirectord connects between negotiations; drcheck negotiates every time"
                    ))
            } else if !negotiates {
                check.note(
                    "", warn("checktype", "checktype = \(checktype): unknown to ldirectord; negotiate as its default"))
            }
            judged = negotiate(service, key: key, into: &check)
        }
        return (check, judged)
    }

    /// A negotiate check of `service`; false when drcheck cannot judge it.
    private func negotiate(_ service: String, key: ServiceKey, into check: inout ImportedCheck) -> Bool {
        let request = virtual.value("request")?.unquoted ?? "/"
        let receive = virtual.value("receive")?.unquoted ?? ""
        switch service {
        case "http", "https":
            check.fields.type = .http
            check.fields.https = service == "https"
            check.fields.path = request.hasPrefix("/") ? request : "/" + request
            check.fields.expectStatus = "200-299"
            if !receive.isEmpty { check.fields.expectBody = receive }
            check.fields.host = virtual.value("virtualhost")?.unquoted
            if virtual.value("httpmethod")?.uppercased() == "HEAD" {
                check.note("", warn("httpmethod", "httpmethod = HEAD: drcheck asks with GET"))
            }
            if check.fields.https { check.note("scheme", "https; tls_verify: false, as ldirectord's default") }
            return true
        case "simpletcp":
            check.fields.type = .tcp
            check.fields.send = request.replacing("\\n", with: "\n")
            if !receive.isEmpty { check.fields.expect = receive }
            return true
        case "dns":
            if case .virtual(_, .tcp) = key {
                check.note("", warn("service", "service = dns on a TCP service: drcheck's dns check asks over UDP"))
                return false
            }
            check.fields.type = .dns
            check.fields.queryName = request == "/" ? "." : request
            check.fields.queryType = "A"
            if !receive.isEmpty {
                check.note(
                    "", warn("receive", "receive = \"\(receive)\": drcheck's dns check does not match answers by regex")
                )
            }
            return true
        case "none":
            check.note("", warn("service", "service = none: ldirectord does not monitor it; drcheck cannot judge it"))
            return false
        default:
            guard !Self.isUDP(key) else {
                check.note("", warn("service", "service = \(service) over UDP: drcheck cannot judge it"))
                return false
            }
            check.fields.type = .tcp
            check.note("", warn("service", "service = \(service): drcheck checks by connecting, not by the protocol"))
            return true
        }
    }

    private func warn(_ key: String, _ text: String) -> String {
        collector.warn(virtual.settings.last { $0.key == key }?.place ?? virtual.place, text)
    }

    private struct Real {
        var server: ImportedRealServer
        var rule: String
        var method: String
        var weight: Int
        /// Its own `"request", "receive"` pair.
        var request: (String, String)?
    }

    /// `real=RIP[->RIP2][:PORT] gate|masq|ipip [WEIGHT] ["request", "receive"]`.
    private func realServers(_ setting: LdirectordConfig.Setting) -> [Real] {
        let words = setting.value.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = words.first else {
            _ = collector.warn(setting.place, "real= without an address: left out")
            return []
        }
        let method = Self.method(words.dropFirst().first)
        let weight = words.dropFirst(2).first.flatMap { Int($0) } ?? 1
        // After the weight: a quoted "request", "receive" pair, then connection thresholds.
        let rest = words.dropFirst(3).joined(separator: " ")
        let quoted = rest.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
        let request = quoted.count >= 2 ? (quoted[0], quoted[1]) : nil
        let unread = rest.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 0 }.map(\.element).joined().filter { $0 != "," && $0 != " " }
        if !unread.isEmpty || (request == nil && !rest.isEmpty) {
            _ = collector.warn(
                setting.place, "real=\(first): \(rest): connection thresholds are not carried over, left out")
        }
        var (addresses, port) = Self.addresses(first)
        if addresses.isEmpty {
            _ = collector.warn(
                setting.place, "real=\(first): not an IP address or an IPv4 range (a host name is not resolved here)")
            return []
        }
        if virtual.address.contains(":") == false { port = nil }  // fwmark: the real server's port is ignored
        return addresses.map { address in
            let text = port.map { Endpoint(address: address, port: $0).description } ?? address.description
            var server = ImportedRealServer(address: text)
            if weight > 0 {
                server.weight = weight
            } else {
                server.notes.append("weight 0: an operator's drain to drcheck, left at 0 until someone sets a weight")
            }
            return Real(server: server, rule: text, method: method, weight: weight, request: request)
        }
    }

    static func isUDP(_ key: ServiceKey) -> Bool {
        if case .virtual(_, .udp) = key { return true }
        return false
    }

    static func method(_ word: String?) -> String {
        switch word?.lowercased() {
        case "gate": "-g"
        case "ipip": "-i"
        default: "-m"
        }
    }

    /// `A.B.C.D`, `A.B.C.D->A.B.C.E` or `[ADDR6]`, with `:PORT` or without.
    static func addresses(_ text: String) -> ([IPAddress], UInt16?) {
        var host = text
        var port: UInt16?
        if let colon = text.lastIndex(of: ":"), !text.hasSuffix("]"),
            text.filter({ $0 == ":" }).count == 1 || text.hasPrefix("[")
        {
            host = String(text[..<colon])
            port = Self.port(String(text[text.index(after: colon)...]))
        }
        host = host.trimmingCharacters(in: "[]")
        let ends = host.components(separatedBy: "->")
        guard ends.count == 2 else { return (IPAddress(host).map { [$0] } ?? [], port) }
        guard let from = Self.ipv4(ends[0]), let to = Self.ipv4(ends[1]), from <= to, to - from < 65536 else {
            return ([], port)
        }
        return (
            (from...to).compactMap { IPAddress("\($0 >> 24).\($0 >> 16 & 255).\($0 >> 8 & 255).\($0 & 255)") }, port
        )
    }

    /// A dotted IPv4 address as a number.
    private static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 < 256 }), IPAddress(text)?.family == .ipv4 else { return nil }
        return parts.reduce(0) { $0 << 8 | $1 }
    }

    static func endpoint(_ text: String, defaultPort: UInt16?) -> String? {
        let (addresses, port) = addresses(text)
        guard addresses.count == 1 else { return nil }
        return (port ?? defaultPort).map { Endpoint(address: addresses[0], port: $0).description }
            ?? addresses[0].description
    }

    /// A port number or a service name (/etc/services).
    static func port(_ text: String) -> UInt16? {
        if let number = UInt16(text) { return number > 0 ? number : nil }
        guard let entry = getservbyname(text, "tcp") else { return nil }
        return UInt16(bigEndian: UInt16(truncatingIfNeeded: entry.pointee.s_port))
    }

    /// ldirectord's default `service` for a VIP's port.
    static func service(forPort port: UInt16?) -> String {
        let known: [UInt16: String] = [
            21: "ftp", 25: "smtp", 53: "dns", 80: "http", 110: "pop", 119: "nntp", 143: "imap", 389: "ldap",
            443: "https", 587: "submission", 636: "ldaps", 993: "imaps", 995: "pops", 1521: "oracle", 1812: "radius",
            3128: "http_proxy", 3306: "mysql", 5432: "pgsql", 5060: "sip",
        ]
        return port.flatMap { known[$0] } ?? "none"
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
