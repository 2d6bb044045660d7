import Primitives

/// Reads drcheck's YAML configuration into an effective `Config`, validating every key.
public enum ConfigParser {
    static let checkKeys = [
        "interval", "timeout", "rise", "fall", "mode", "path", "expect_status", "slow_start", "keep_last",
        "tls_ca_file", "tls_resume", "type", "command", "dynamic_weight", "alpha", "on_change", "require_reply",
        "query_name", "query_type", "expect_rcode", "expect_address", "dns_transport", "method", "headers",
        "interval_jitter", "fast_interval", "down_interval", "flap_damping", "weight_header",
    ]
    static let serviceCheckKeys =
        checkKeys + [
            "host", "expect_body", "port", "scheme", "tls_verify", "send", "send_hex", "expect", "grpc_service",
        ]
    /// What a service's servers share however each is probed: its drain guard, slow start, alpha and change hook.
    static let serviceWideKeys = ["keep_last", "slow_start", "alpha", "on_change"]
    /// A real server's own check: how it is probed and judged, over its service's check.
    static let serverCheckKeys = serviceCheckKeys.filter { !serviceWideKeys.contains($0) }
    /// What only an HTTP check uses: given with another type, it is a mistake worth saying.
    static let httpKeys = ["path", "expect_status", "expect_body", "method", "headers", "weight_header"]
    /// Headers drcheck writes itself, or that would change what the request is.
    static let ownHeaders: Set = ["host", "content-length", "transfer-encoding", "connection", "expect"]
    static let execKeys = ["command", "dynamic_weight"]
    /// The keys of the other types, and the types they fit.
    static let typedKeys: [(key: String, types: [CheckType])] = [
        ("send", [.tcp, .udp]), ("send_hex", [.tcp, .udp]), ("expect", [.tcp, .udp]), ("require_reply", [.udp]),
        ("query_name", [.dns]),
        ("query_type", [.dns]), ("expect_rcode", [.dns]), ("expect_address", [.dns]),
        ("dns_transport", [.dns]), ("tls_ca_file", [.http, .grpc]), ("tls_resume", [.http, .grpc]),
        ("host", [.http, .grpc]), ("scheme", [.http, .grpc]), ("tls_verify", [.http, .grpc]), ("grpc_service", [.grpc]),
    ]
    static let topKeys = [
        "listen", "state_file", "discover", "discovery_interval", "defaults", "dr_sysctls", "arp_watch",
        "on_arp_conflict", "probe_marks", "max_probes_in_flight", "max_commands_in_flight", "on_change_timeout",
        "max_hooks_in_flight", "metrics", "log_format", "peers", "fleet", "services",
    ]
    static let metricsKeys = ["probe_durations", "ipvs_counters"]

    /// Parses `yaml`; `file` names the source in error messages. An empty document is the default configuration.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> Config {
        var config = Config()
        // No document, or an empty one (`---` alone), is the defaults.
        guard let root = try YAMLComposer.compose(yaml, file: file) else { return config }
        if case .scalar("", _, stringTag: false) = root.content { return config }
        let top = try YAMLField(node: root, key: "", file: file).mapping(known: topKeys)
        if let field = top["listen"] { config.listen = try listen(field) }
        if let field = top["state_file"] { config.stateFile = try field.string() }
        if let field = top["discover"] { config.discover = try field.bool() }
        if let field = top["discovery_interval"] { config.discoveryInterval = try positive(field) }
        if let field = top["defaults"] {
            config.defaults = try check(field, known: checkKeys, over: config.defaults)
        }
        if let field = top["dr_sysctls"] { config.drSysctls = try field.choice(SysctlPolicy.self) }
        if let field = top["arp_watch"] { config.arpWatch = try field.duration() }
        if let field = top["on_arp_conflict"] { config.onArpConflict = try field.choice(ArpConflictAction.self) }
        if let field = top["probe_marks"] { config.probeMarks = try markRange(field) }
        if let field = top["max_probes_in_flight"] { config.maxProbesInFlight = try field.int(in: 1...1_000_000) }
        if let field = top["max_commands_in_flight"] { config.maxCommandsInFlight = try field.int(in: 1...4096) }
        if let field = top["on_change_timeout"] { config.onChangeTimeout = try positive(field) }
        if let field = top["max_hooks_in_flight"] { config.maxHooksInFlight = try field.int(in: 1...64) }
        if let field = top["metrics"] { config.metrics = try metrics(field) }
        if let field = top["log_format"] { config.logFormat = try field.choice(LogFormat.self) }
        if let field = top["peers"] {
            config.peers = try endpoints(field, of: "another director's drcheck listen address")
        }
        if let field = top["fleet"] { config.fleet = try FleetSettingsParser.parse(field) }
        if let field = top["services"] {
            config.services = try ServiceParser(defaults: config.defaults, probeMarks: config.probeMarks)
                .parse(field)
        }
        return config
    }

    /// `defaults` or a service's `check`: each key given overrides `base`.
    static func check(_ field: YAMLField, known: [String], over base: CheckSettings) throws(ConfigError)
        -> CheckSettings
    {
        let map = try field.mapping(known: known)
        var check = base
        if let f = map["interval"] { check.interval = try positive(f) }
        if let f = map["timeout"] { check.timeout = try positive(f) }
        if let f = map["interval_jitter"] { check.intervalJitter = try percent(f, in: 0...25) }
        if let f = map["fast_interval"] { check.fastInterval = try positive(f) }
        if let f = map["down_interval"] { check.downInterval = try positive(f) }
        if let f = map["flap_damping"] { check.flapDamping = try FlapDampingParser.parse(f) }
        if let f = map["rise"] { check.rise = try f.int(in: 1...1000) }
        if let f = map["fall"] { check.fall = try f.int(in: 1...1000) }
        if let f = map["mode"] { check.mode = try f.choice(ProbeMode.self) }
        if let f = map["path"] {
            check.path = try requestText(f)
            guard check.path.hasPrefix("/") else {
                throw f.error("must start with / (got \(ConfigError.quoted(check.path)))")
            }
        }
        if let f = map["expect_status"] { check.expectStatus = try statuses(f) }
        if let f = map["slow_start"] { check.slowStart = try f.duration() }
        if let f = map["keep_last"] { check.keepLast = try f.bool() }
        if let f = map["alpha"] { check.alpha = try f.bool() }
        if let f = map["on_change"] { check.onChange = try CommandFile.argv(f, hook: true) }
        if let f = map["tls_ca_file"] { check.tlsCAFile = try CAFile.path(f) }
        if let f = map["tls_resume"] { check.tlsResume = try f.duration() }
        if let f = map["host"] { check.host = try requestText(f) }
        if let f = map["expect_body"] { check.expectBody = try regex(f) }
        if let f = map["send"] { check.send = try f.string() }
        if let f = map["send_hex"] {
            guard map["send"] == nil else { throw f.error("give send or send_hex, not both") }
            check.sendHex = try hex(f)
        }
        if let f = map["expect"] { check.expect = try regex(f) }
        if let f = map["require_reply"] { check.requireReply = try f.bool() }
        if let f = map["query_name"] { check.queryName = try dnsName(f) }
        if let f = map["query_type"] { check.queryType = try f.choice(DNSRecordType.self) }
        if let f = map["dns_transport"] { check.dnsTransport = try f.choice(DNSTransport.self) }
        if let f = map["grpc_service"] { check.grpcService = try requestText(f) }
        if let f = map["method"] { check.method = try f.choice(HTTPMethod.self) }
        if let f = map["headers"] { check.headers = try headers(f) }
        if let f = map["weight_header"] { check.weightHeader = try headerName(f) }
        if check.method == .head, check.expectBody != nil {
            throw (map["method"] ?? map["expect_body"] ?? field).error(
                "HEAD gets no body for expect_body to match: give one or the other")
        }
        if let f = map["expect_rcode"] {
            check.expectRcode = try nonEmpty(f).map { i throws(ConfigError) in try i.choice(DNSRcode.self) }
        }
        if let f = map["expect_address"] { check.expectAddress = try nonEmpty(f).map(address) }
        if let f = map["port"] { check.port = UInt16(try f.int(in: 1...65535)) }
        if let f = map["scheme"] { check.scheme = try f.choice(among: [ProbeScheme.http, .https], named: \.rawValue) }
        if let f = map["tls_verify"] { check.tlsVerify = try f.bool() }
        if let f = map["type"] { check.type = try f.choice(CheckType.self) }
        if let f = map["command"] { check.command = try CommandFile.argv(f) }
        if let f = map["dynamic_weight"] { check.dynamicWeight = try f.bool() }
        try vetType(check, map, field)
        if let fast = check.fastInterval, fast > check.interval {
            throw (map["fast_interval"] ?? map["interval"] ?? field).error(
                "fast_interval \(PrometheusDuration.format(fast)) is longer than interval "
                    + PrometheusDuration.format(check.interval))
        }
        if check.timeout > check.interval {
            let culprit = map["timeout"] ?? map["interval"] ?? field
            throw culprit.error(
                "timeout \(PrometheusDuration.format(check.timeout)) is longer than interval "
                    + PrometheusDuration.format(check.interval))
        }
        return check
    }

    /// `10%` or `10`, within `range`.
    private static func percent(_ field: YAMLField, in range: ClosedRange<Int>) throws(ConfigError) -> UInt8 {
        let text = try field.scalar()
        let digits = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let value = Int(digits), range.contains(value) else {
            throw field.error(
                "must be a percentage from \(range.lowerBound)% to \(range.upperBound)% (got \(ConfigError.quoted(text)))"
            )
        }
        return UInt8(value)
    }

    /// `headers: {Name: value, ...}` as request header lines: a name is an HTTP token, not one drcheck writes
    /// itself (Host is `host`), a value one line.
    private static func headers(_ field: YAMLField) throws(ConfigError) -> [String] {
        var lines: [String] = []
        for (name, value) in try field.entries() {
            guard !name.isEmpty, name.utf8.allSatisfy(isNameByte) else {
                throw value.error("is not a header name (letters, digits, - and _)")
            }
            guard !ownHeaders.contains(name.lowercased()) else {
                throw value.error(name.lowercased() == "host" ? "give it as host" : "drcheck writes it itself")
            }
            let text = try value.string()
            guard isHeaderText(text) else {
                throw value.error("must be one line of text")
            }
            lines.append("\(name): \(text)")
        }
        return lines
    }

    /// A response header's name, as `weight_header` gives it.
    private static func headerName(_ field: YAMLField) throws(ConfigError) -> String {
        let name = try field.string()
        guard !name.isEmpty, name.utf8.allSatisfy(isNameByte) else {
            throw field.error("is not a header name (letters, digits, - and _)")
        }
        return name
    }

    /// What header names are made of in practice (a subset of HTTP's token, and plain YAML keys too).
    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7a) || byte == 0x2d || byte == 0x5f
    }

    /// The keys given here fit the check's type, and an exec check has its command.
    static func vetType(_ check: CheckSettings, _ map: YAMLMapping, _ field: YAMLField) throws(ConfigError) {
        for name in httpKeys where check.type != .http {
            if let given = map[name] { throw given.error("applies only to an http check (type is \(check.type))") }
        }
        for name in execKeys where check.type != .exec {
            if let given = map[name] { throw given.error("applies only to an exec check (type is \(check.type))") }
        }
        for (name, types) in typedKeys where !types.contains(check.type) {
            guard let given = map[name] else { continue }
            let names = types.map(\.rawValue).joined(separator: " or ")
            throw given.error("applies only to a\(types[0] == .http ? "n" : "") \(names) check (type is \(check.type))")
        }
        if check.type == .exec, check.command.isEmpty {
            throw (map["type"] ?? field).error("an exec check needs command: [PROGRAM, ARGUMENT...]")
        }
    }

    static func metrics(_ field: YAMLField) throws(ConfigError) -> MetricsSettings {
        let map = try field.mapping(known: metricsKeys)
        var metrics = MetricsSettings()
        if let f = map["probe_durations"] { metrics.probeDurations = try f.bool() }
        if let f = map["ipvs_counters"] { metrics.ipvsCounters = try f.bool() }
        return metrics
    }

    static func positive(_ field: YAMLField) throws(ConfigError) -> Duration {
        let value = try field.duration()
        guard value > .zero else { throw field.error("must be longer than 0s") }
        return value
    }

    /// Text that goes into the request line or a header: no spaces or control characters, which would let it
    /// split the request.
    static func requestText(_ field: YAMLField) throws(ConfigError) -> String {
        let text = try field.string()
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw field.error("must not contain spaces or control characters")
        }
        return text
    }

    static func listen(_ field: YAMLField) throws(ConfigError) -> String {
        let text = try field.string()
        // What the daemon will bind, checked as it will parse it, so that `config check` and a reload refuse what a
        // start would; a socket path must be absolute, since the daemon's working directory is no one's choice, and
        // the port fixed, since scrapers and `drcheck status` find the daemon by it.
        do throws(ListenAddressError) {
            switch try ListenAddress(parsing: text) {
            case .unix(let path) where !path.hasPrefix("/"):
                throw ListenAddressError(text: text, reason: "the unix socket path must be absolute")
            case .ipv4(_, port: 0), .ipv6(_, port: 0):
                throw ListenAddressError(text: text, reason: "port 0 would be a port no scraper knows")
            default: break
            }
        } catch {
            throw field.error("\(error.reason) (got \(ConfigError.quoted(text)))")
        }
        return text
    }

    /// Bytes as pairs of hex digits (spaces between them allowed).
    static func hex(_ field: YAMLField) throws(ConfigError) -> [UInt8] {
        guard let bytes = HexBytes.decode(try field.string().filter { $0 != " " }) else {
            throw field.error("must be pairs of hex digits, like \"2a310d0a\"")
        }
        return bytes
    }

    /// Addresses of `what`, `IP:port` each, no two alike.
    static func endpoints(_ field: YAMLField, of what: String) throws(ConfigError) -> [Endpoint] {
        var endpoints: [Endpoint] = []
        for item in try field.sequence() {
            let text = try item.string()
            guard let endpoint = Endpoint(text) else {
                throw item.error("not an IP:port (\(what)): \(ConfigError.quoted(text))")
            }
            guard !endpoints.contains(endpoint) else { throw item.error("\(endpoint) given twice") }
            endpoints.append(endpoint)
        }
        return endpoints
    }

    /// A list of at least one item.
    static func nonEmpty(_ field: YAMLField) throws(ConfigError) -> [YAMLField] {
        let items = try field.sequence()
        guard !items.isEmpty else { throw field.error("must list at least one") }
        return items
    }

    static func address(_ field: YAMLField) throws(ConfigError) -> IPAddress {
        let text = try field.string()
        guard let address = IPAddress(text) else { throw field.error("not an IP address: \(ConfigError.quoted(text))") }
        return address
    }

    /// A DNS name: labels of 1-63 bytes of letters, digits, `-` and `_` (and `*`), 253 bytes at most; `.` the root.
    static func dnsName(_ field: YAMLField) throws(ConfigError) -> String {
        let name = try field.string()
        guard name != "." else { return name }
        let labels = (name.hasSuffix(".") ? String(name.dropLast()) : name).split(
            separator: ".", omittingEmptySubsequences: false)
        let valid =
            name.utf8.count <= 254
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count)
                    && label.utf8.allSatisfy {
                        $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "*")
                            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0 | 0x20)
                            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    }
            }
        guard valid else { throw field.error("not a DNS name: \(ConfigError.quoted(name))") }
        return name
    }

    static func statuses(_ field: YAMLField) throws(ConfigError) -> StatusRanges {
        let text: String
        if case .sequence = field.node.content {
            var parts: [String] = []
            for item in try field.sequence() { parts.append(try item.string()) }
            text = parts.joined(separator: ",")
        } else {
            text = try field.string()
        }
        guard let ranges = try? StatusRanges(parsing: text) else {
            throw field.error(
                "must be statuses or ranges within 100-599, like \"200,204,300-399\" (got \(ConfigError.quoted(text)))")
        }
        return ranges
    }

    static func regex(_ field: YAMLField) throws(ConfigError) -> String {
        let pattern = try field.string()
        do {
            _ = try Regex(pattern)
        } catch {
            throw field.error("not a valid regular expression: \(error)")
        }
        return pattern
    }

    static func markRange(_ field: YAMLField) throws(ConfigError) -> ClosedRange<UInt32> {
        let text = try field.string()
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(mark)
        guard parts.count == 2, let low = parts[0], let high = parts[1], low >= 1, low <= high else {
            throw field.error(
                "must be a range of marks FIRST-LAST, like 0x44520000-0x4452ffff (got \(ConfigError.quoted(text)))")
        }
        return low...high
    }

    static func mark(_ text: Substring) -> UInt32? {
        text.hasPrefix("0x") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text)
    }
}
