import Agent
import Glibc
import Primitives

/// One keepalived checker (HTTP_GET, TCP_CHECK, MISC_CHECK, ...) of a real server as a drcheck check, or the reason
/// drcheck cannot judge it.
struct CheckerTranslator {
    static let checkers: Set = [
        "HTTP_GET", "SSL_GET", "TCP_CHECK", "SMTP_CHECK", "DNS_CHECK", "MISC_CHECK", "BFD_CHECK", "UDP_CHECK",
        "PING_CHECK", "FILE_CHECK",
    ]
    /// What each checker drcheck cannot judge does, for the comment that says so.
    static let unjudged = [
        "PING_CHECK": "an ICMP echo", "BFD_CHECK": "a BFD session", "FILE_CHECK": "a file's contents",
    ]
    /// What drcheck does instead of the keepalived keys it has no equivalent of, for their warning.
    static let instead = [
        "warmup": "drcheck spreads its first probes over the first interval instead",
        "smtp_alert": "drcheck sends no mail: an on_change hook can",
        "bindto": "drcheck probes from the director's own address (dr mode) or the route's",
        "bind_port": "drcheck probes from the kernel's ephemeral ports",
        "bind_if": "drcheck probes from the director's own address (dr mode) or the route's",
        "http_protocol": "drcheck asks in HTTP/1.1",
        "enable_sni": "drcheck sends SNI from host when it is a name",
        "fast_recovery": "drcheck rises after rise passes",
        "helo_name": "drcheck sends no HELO: it reads the greeting",
    ]

    /// The warning for a keepalived key drcheck ignores.
    static func ignored(_ keyword: String) -> String {
        "\(keyword) has no drcheck equivalent: ignored" + (instead[keyword].map { " (\($0))" } ?? "")
    }

    /// The virtual_server and real_server blocks around the checker, outermost first: their delay_loop,
    /// connect_timeout, retry and virtualhost apply unless the checker sets its own.
    let scopes: [KeepalivedBlock]
    let collector: WarningCollector

    enum Outcome {
        case check(ImportedCheck)
        case cannot(String)
    }

    func translate(_ checker: KeepalivedBlock, server: ServerName) -> Outcome {
        let kind = checker.keyword
        if let what = Self.unjudged[kind] { return .cannot("\(kind) (\(what))") }
        var check = ImportedCheck()
        check.fields.interval = timer("delay_loop", in: checker) ?? .seconds(60)
        check.fields.fall = 1 + (integer(inherited("retry", checker) ?? inherited("nb_get_retry", checker)) ?? 1)
        check.fields.alpha = scopes.first.map(Self.isSet("alpha")) ?? false
        switch kind {
        case "HTTP_GET", "SSL_GET":
            http(checker, into: &check)
        case "TCP_CHECK":
            check.fields.type = .tcp
        case "SMTP_CHECK":
            check.fields.type = .tcp
            check.fields.expect = "^220 "
            check.note(
                "expect",
                "keepalived's SMTP_CHECK reads the 220 greeting, then sends HELO and expects 250; drcheck reads the "
                    + "greeting (a client that speaks first trips an SMTP server's early-talker defence)")
            for host in checker.all("host") {
                let target = host.value("connect_ip") ?? "the real server"
                check.note("type", collector.warn(host.place, "SMTP_CHECK host \(target): not checked by drcheck"))
            }
        case "DNS_CHECK":
            check.fields.type = .dns
            check.fields.queryName = checker.value("name") ?? "."
            let type = checker.value("type")?.uppercased() ?? "SOA"
            guard DNSRecordType(rawValue: type) != nil else { return .cannot("DNS_CHECK of type \(type)") }
            check.fields.queryType = type
        case "UDP_CHECK":
            if let refusal = udp(checker, into: &check) { return .cannot(refusal) }
        case "MISC_CHECK":
            guard misc(checker, into: &check, server: server) else { return .cannot("MISC_CHECK without misc_path") }
        default:
            return .cannot("\(kind) (unknown to drcheck)")
        }
        if kind != "MISC_CHECK" {
            check.fields.timeout = timer("connect_timeout", in: checker) ?? .seconds(5)
            check.fields.port = integer(checker.last("connect_port")).flatMap(UInt16.init(exactly:))
        }
        if let ip = checker.value("connect_ip") {
            check.note(
                "", collector.warn(checker.place, "connect_ip \(ip): drcheck probes the real server's own address"))
        }
        retries(checker, into: &check)
        if check.fields.timeout > check.fields.interval {
            check.note(
                "timeout",
                "keepalived's timeout \(PrometheusDuration.format(check.fields.timeout)) is longer than its delay_loop;"
                    + " drcheck's timeout may not exceed interval: clamped")
            check.fields.timeout = check.fields.interval
        }
        for statement in checker.children ?? [] where !handled.contains(statement.keyword) {
            check.note("", collector.warn(statement.place, Self.ignored(statement.keyword)))
        }
        return .check(check)
    }

    /// The keys `translate` reads; any other is noted as ignored.
    private let handled: Set = [
        "delay_loop", "retry", "nb_get_retry", "delay_before_retry", "alpha", "url", "virtualhost", "host",
        "connect_timeout", "connect_port", "connect_ip", "misc_path", "misc_timeout", "misc_dynamic", "user", "name",
        "type", "payload", "require_reply",
    ]

    /// UDP_CHECK: its hex `payload` as `send`, `require_reply` (keepalived's default: none needed) and the reply's
    /// hex pattern as `expect`; the reason it cannot be made when they hold bytes a YAML text cannot carry.
    private func udp(_ checker: KeepalivedBlock, into check: inout ImportedCheck) -> String? {
        check.fields.type = .udp
        check.fields.requireReply = checker.last("require_reply") != nil
        if let hex = checker.value("payload") {
            guard let bytes = HexBytes.decode(hex) else { return "UDP_CHECK payload \(hex) (not hex digits)" }
            // Text when it is text, for a reader; else the bytes as keepalived wrote them.
            if let text = Self.text(bytes) {
                check.fields.send = text
            } else {
                check.fields.sendHex = hex.lowercased()
            }
        }
        if let hex = checker.last("require_reply")?.arguments.first {
            guard let text = HexBytes.decode(hex).flatMap(Self.text) else {
                return "UDP_CHECK require_reply \(hex) (a pattern of bytes)"
            }
            check.fields.expect = "^" + text.map { "()[]{}.*+?^$|\\".contains($0) ? "\\\($0)" : String($0) }.joined()
        }
        return nil
    }

    /// `bytes` as text, when every one is printable ASCII, a tab or a line end.
    static func text(_ bytes: [UInt8]) -> String? {
        guard bytes.allSatisfy({ (0x20..<0x7f).contains($0) || [0x09, 0x0a, 0x0d].contains($0) }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func http(_ checker: KeepalivedBlock, into check: inout ImportedCheck) {
        check.fields.https = checker.keyword == "SSL_GET"
        if check.fields.https {
            check.note("scheme", "SSL_GET: https; keepalived does not verify the certificate, so neither does this")
        }
        let urls = checker.all("url")
        let url = urls.first
        check.fields.path = url?.value("path") ?? "/"
        if url == nil {
            check.note("path", collector.warn(checker.place, "\(checker.keyword) without url: asks for /"))
        }
        let statuses = url?.last("status_code")?.arguments ?? []
        // keepalived's default; drcheck's own (200-399) would pass redirects keepalived failed.
        check.fields.expectStatus = statuses.isEmpty ? "200-299" : statuses.joined(separator: ",")
        if let digest = url?.last("digest") {
            check.note(
                "expect_status",
                collector.warn(
                    digest.place,
                    "digest \(digest.arguments.first ?? ""): drcheck compares no MD5 of the page, this check judges "
                        + "the status only (expect_body: REGEX can check the content)"))
        }
        if let regex = url?.last("regex") {
            if url?.last("regex_no_match") != nil {
                check.note(
                    "expect_status",
                    collector.warn(regex.place, "regex_no_match: drcheck cannot fail a page for matching; not checked"))
            } else {
                check.fields.expectBody = (regexFlags(url?.last("regex_options")) ?? "") + (regex.arguments.first ?? "")
                check.note(
                    "expect_body", "keepalived's regex is PCRE2, drcheck's a Swift regular expression: check it")
            }
        }
        for other in urls.dropFirst() {
            check.note(
                "path",
                collector.warn(
                    other.place,
                    "url \(other.value("path") ?? "/") not checked: a drcheck check asks for one path"))
        }
        let hosts =
            [url?.last("virtualhost"), checker.last("virtualhost")] + scopes.reversed().map { $0.last("virtualhost") }
        check.fields.host = hosts.compactMap { $0?.arguments.first }.first
    }

    /// keepalived's `regex_options` (PCRE2's) as the inline flags of a Swift regular expression: caseless `i`,
    /// dotall `s`, extended `x`, ungreedy `U`; multiline is drcheck's own already; any other is a warning.
    private func regexFlags(_ statement: KeepalivedBlock?) -> String? {
        guard let statement else { return nil }
        let known = ["caseless": "i", "dotall": "s", "extended": "x", "ungreedy": "U", "multiline": ""]
        var flags = ""
        for option in statement.arguments {
            guard let flag = known[option] else {
                _ = collector.warn(statement.place, "regex_options \(option): no drcheck equivalent, left out")
                continue
            }
            flags += flag
        }
        return flags.isEmpty ? nil : "(?\(flags))"
    }

    /// MISC_CHECK's misc_path as an exec command; false without one.
    private func misc(_ checker: KeepalivedBlock, into check: inout ImportedCheck, server: ServerName) -> Bool {
        guard let path = checker.last("misc_path"), !path.arguments.isEmpty else { return false }
        check.fields.type = .exec
        let script = ScriptCommand(path.arguments.joined(separator: " "))
        check.fields.command = script.naming(address: server.address, port: server.port)
        if script.throughShell {
            check.note("command", "run through /bin/sh -c: keepalived's misc_path holds shell syntax")
        }
        if check.fields.command != script.argv {
            check.note("command", "the real server's address and port as ${DRCHECK_RIP} and ${DRCHECK_RPORT}")
        }
        let program = script.argv[0]
        if program.hasPrefix("/"), access(program, X_OK) != 0 {
            check.note(
                "command",
                collector.warn(
                    path.place, "\(program) is not an executable here: drcheck config check refuses it until it is"))
        }
        check.fields.timeout = timer("misc_timeout", in: checker) ?? check.fields.interval
        check.fields.dynamicWeight = checker.last("misc_dynamic") != nil
        // keepalived's MISC_CHECK retries no failure unless told to.
        check.fields.fall = 1 + (integer(inherited("retry", checker)) ?? 0)
        if let user = checker.value("user") {
            check.note("command", "keepalived ran it as \(user); drcheck runs it as its own user")
        }
        return true
    }

    /// keepalived retries a failing server's check `delay_before_retry` later (1 s by default) until `retry` fail in
    /// a row: drcheck's fast_interval, while fall counts them.
    private func retries(_ checker: KeepalivedBlock, into check: inout ImportedCheck) {
        guard check.fields.fall > 1 else { return }
        let delay = timer("delay_before_retry", in: checker) ?? .seconds(1)
        check.fields.fastInterval = min(delay, check.fields.interval)
        guard delay > check.fields.interval else { return }
        check.note(
            "fast_interval",
            "keepalived's delay_before_retry \(PrometheusDuration.format(delay)) is longer than its delay_loop; "
                + "drcheck's fast_interval may not exceed interval: clamped")
    }

    /// The checker's own `keyword`, else the real server's, else the virtual server's.
    private func inherited(_ keyword: String, _ checker: KeepalivedBlock) -> KeepalivedBlock? {
        ([checker] + scopes.reversed()).lazy.compactMap { $0.last(keyword) }.first
    }

    /// A keepalived TIMER (seconds, fractions allowed) as a duration, inherited; nil when not given or not a time.
    private func timer(_ keyword: String, in checker: KeepalivedBlock) -> Duration? {
        guard let statement = inherited(keyword, checker) else { return nil }
        guard let seconds = statement.arguments.first.flatMap(Double.init), seconds > 0, seconds < 1e9 else {
            _ = collector.warn(statement.place, "\(keyword): not a time in seconds; keepalived's default used")
            return nil
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private func integer(_ statement: KeepalivedBlock?) -> Int? {
        statement?.arguments.first.flatMap { Int($0) }
    }

    /// A flag keepalived takes bare (`alpha`) or with a BOOL (`alpha yes`).
    static func isSet(_ keyword: String) -> (KeepalivedBlock) -> Bool {
        { block in
            guard let statement = block.last(keyword) else { return false }
            return !["off", "false", "no", "0"].contains(statement.arguments.first?.lowercased() ?? "on")
        }
    }
}

/// A real server as keepalived's scripts would name it.
struct ServerName {
    let address: String
    let port: UInt16?
}

/// The warnings of one import, shared by its translators: each is a line on stderr and the text of a comment.
final class WarningCollector {
    private(set) var warnings: [ImportWarning] = []

    /// Records the warning and returns its text for the comment.
    func warn(_ place: SourcePlace, _ text: String) -> String {
        warnings.append(ImportWarning(place: place, message: text))
        return text
    }
}
