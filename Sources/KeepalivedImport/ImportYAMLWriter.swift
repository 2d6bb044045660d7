import Agent
import Primitives

/// Writes an `ImportedConfig` as drcheck YAML with keepalived's story in comments: above a service what it came
/// from and what was lost, above a key why it has its value. A service drcheck cannot judge is written commented out.
enum ImportYAMLWriter {
    static func text(_ config: ImportedConfig) -> String {
        var out = YAMLLines()
        for line in config.header ?? header(config.source) { out.comment(0, line) }
        for note in config.notes { out.comment(0, note) }
        out.comment(0, "Only the services below: the checker this comes from checked only what it was told to.")
        out.content(0, "discover: false")
        guard !config.services.isEmpty else {
            out.comment(0, "No virtual_server: nothing for drcheck to check.")
            out.content(0, "services: []")
            return out.text
        }
        // Services written commented out are no list items: with none listed, the list is empty.
        out.content(0, config.services.contains(where: \.listed) ? "services:" : "services: []")
        for service in config.services { write(service, into: &out) }
        return out.text
    }

    static func header(_ source: String) -> [String] {
        [
            "drcheck configuration imported from keepalived's \(source) (drcheck config import keepalived).",
            "keepalived built the IPVS table, drcheck only changes weights: load the table first (--ipvsadm rules,",
            "ipvsadm-restore). drcheck never removes a failing real server, it sets weight 0 (inhibit_on_failure).",
            "rise: 1, fall: retry + 1 and fast_interval: delay_before_retry count as keepalived did. keep_last",
            "(drcheck's default) keeps the last serving real server of a service in when all fail; keepalived took",
            "them all out (keep_last: false).",
        ]
    }

    private static func write(_ service: ImportedService, into out: inout YAMLLines) {
        out.commented = !service.listed
        out.comment(2, service.origin)
        for note in service.notes { out.comment(2, note) }
        switch service.key {
        case .virtual(let vip, let transport):
            out.content(2, "- vip: \(quoted(vip.description))")
            out.content(4, "protocol: \(transport)")
        case .fwmark(let mark, let family):
            out.content(2, "- fwmark: \(mark)")
            out.content(4, "family: \(family)")
        }
        out.content(4, "check:")
        write(service.check, into: &out)
        if service.realServers.isEmpty {
            out.content(4, "real_servers: []")
        } else {
            out.content(4, "real_servers:")
        }
        for server in service.realServers {
            for note in server.notes { out.comment(6, note) }
            out.content(6, "- address: \(quoted(server.address))")
            if let weight = server.weight { out.content(8, "weight: \(weight)") }
            if let own = server.check {
                out.comment(8, "its own check: keepalived's checker of this real server differs from the service's")
                out.content(8, "check:")
                write(own, into: &out, indent: 10, serviceWide: false)
            }
        }
        if let sorry = service.sorryServer {
            for note in sorry.notes { out.comment(4, note) }
            out.content(4, "sorry_server: \(quoted(sorry.address))")
        }
        out.commented = false
    }

    /// The check's keys at `indent`; `serviceWide`: with alpha and on_change, which a real server's own check
    /// leaves to its service's.
    private static func write(
        _ check: ImportedCheck, into out: inout YAMLLines, indent: Int = 6, serviceWide: Bool = true
    ) {
        let fields = check.fields
        var entries: [(String, String)] = [
            ("type", fields.type.rawValue),
            ("interval", PrometheusDuration.format(fields.interval)),
            ("timeout", PrometheusDuration.format(fields.timeout)),
            ("rise", "1"),
            ("fall", String(fields.fall)),
        ]
        if let fast = fields.fastInterval { entries.append(("fast_interval", PrometheusDuration.format(fast))) }
        if fields.ripMode, fields.type != .exec { entries.append(("mode", "rip")) }
        if fields.type == .http {
            entries.append(("path", quoted(fields.path ?? "/")))
            entries.append(("expect_status", quoted(fields.expectStatus ?? "200-299")))
            if let host = fields.host { entries.append(("host", quoted(host))) }
            if let body = fields.expectBody { entries.append(("expect_body", quoted(body))) }
        }
        if fields.type == .udp, let send = fields.send { entries.append(("send", quoted(send))) }
        if fields.type == .udp, let hex = fields.sendHex { entries.append(("send_hex", quoted(hex))) }
        if fields.type == .tcp || fields.type == .udp, let expect = fields.expect {
            entries.append(("expect", quoted(expect)))
        }
        if fields.type == .udp { entries.append(("require_reply", String(fields.requireReply))) }
        if fields.type == .dns {
            entries.append(("query_name", quoted(fields.queryName)))
            entries.append(("query_type", fields.queryType))
        }
        if let port = fields.port { entries.append(("port", String(port))) }
        if fields.type == .http, fields.https {
            entries.append(("scheme", "https"))
            entries.append(("tls_verify", "false"))
        }
        if fields.type == .exec {
            entries.append(("command", list(fields.command)))
            entries.append(("dynamic_weight", String(fields.dynamicWeight)))
        }
        if serviceWide, fields.alpha { entries.append(("alpha", "true")) }
        if serviceWide, !fields.onChange.isEmpty { entries.append(("on_change", list(fields.onChange))) }
        let written = Set(entries.map(\.0))
        // Notes on keys not written (a port the service did not need) go above the check, with the check's own.
        for (key, notes) in check.notes.sorted(by: { $0.key < $1.key }) where !written.contains(key) {
            for note in notes { out.comment(indent, note) }
        }
        for (key, value) in entries {
            for note in check.notes[key] ?? [] { out.comment(indent, note) }
            out.content(indent, "\(key): \(value)")
        }
    }

    /// A YAML double-quoted scalar, as the config printer writes one.
    private static func quoted(_ text: String) -> String { YAMLQuoting.doubleQuoted(text) }

    private static func list(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ", ") + "]" }
}

/// Indented YAML lines; while `commented`, content lines are written as comments too.
struct YAMLLines {
    private(set) var text = ""
    var commented = false

    /// What YAML readers take for the end of a line besides LF: a note quoting one would end its comment there.
    static let breaks: Set<UInt32> = [0x0A, 0x0D, 0x85, 0x2028, 0x2029]

    mutating func comment(_ indent: Int, _ line: String) {
        text += String(repeating: " ", count: indent) + "# \(line.oneLine)\n"
    }

    mutating func content(_ indent: Int, _ line: String) {
        text += String(repeating: " ", count: indent) + (commented ? "# " : "") + line + "\n"
    }
}
