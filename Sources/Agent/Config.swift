import Primitives

/// The effective configuration: the keys of OPERATIONS.md "Writing the configuration" with every default filled in
/// and `defaults` merged into each service's check.
public struct Config: Hashable, Sendable {
    public static let defaultPath = "/etc/drcheck/drcheck.yaml"

    public var listen = "127.0.0.1:9469"
    public var stateFile = "/var/lib/drcheck/state.json"
    /// Also check every IPVS service not listed; true in zero-config mode.
    public var discover = false
    /// How often the kernel's IPVS table is re-read for added or removed services and destinations.
    public var discoveryInterval: Duration = .seconds(5)
    public var defaults = CheckSettings()
    public var drSysctls = SysctlPolicy.fix
    /// Period of the duplicate-address ARP probe for each VIP; zero turns it off.
    public var arpWatch: Duration = .seconds(10)
    public var onArpConflict = ArpConflictAction.report
    /// Firewall marks drcheck may use for its per-server DR probe services; the default, 0x44520000-0x4452ffff
    /// ("DR" in the high 16 bits), stays clear of the small marks operators usually pick.
    public var probeMarks: ClosedRange<UInt32> = 0x4452_0000...0x4452_FFFF
    /// The most probes running at once (fewer when the open-file limit allows fewer); rounds due beyond it wait.
    public var maxProbesInFlight = 256
    /// The most exec checks' commands running at once, so that thousands of them cannot fork-bomb the director;
    /// rounds due beyond it wait (a start delay, never a failure).
    public var maxCommandsInFlight = 16
    /// A change hook still running after this long is killed with its process group.
    public var onChangeTimeout: Duration = .seconds(10)
    /// Change hooks running at once; 1 keeps them in the order of their events.
    public var maxHooksInFlight = 1
    public var metrics = MetricsSettings()
    /// How the daemon logs; `--log-format` overrides it.
    public var logFormat = LogFormat.auto
    /// Other directors' drchecks (their listen addresses), whose verdicts this one reads and compares; none: off.
    public var peers: [Endpoint] = []
    /// Directors that agree on health through etcd; nil: off.
    public var fleet: FleetSettings?
    public var services: [ServiceConfig] = []

    public init() {}

    /// The configuration used when the default file does not exist: every IPVS service with the defaults.
    public static var zeroConfig: Config {
        var config = Config()
        config.discover = true
        return config
    }

    /// The listed service with this key, if any.
    public func service(_ key: ServiceKey) -> ServiceConfig? { services.first { $0.key == key } }

    /// What metrics, /status and logs call a service: its configured name, else its key's label (VIP:port, fwmark:N).
    public func label(of key: ServiceKey) -> String { service(key)?.label ?? key.label }

    /// How a service is checked: its own settings when listed, the defaults when discovered and they can judge it,
    /// nil when not checked.
    /// One real server's check: its own in `real_servers`, else its service's (else the defaults, discovered).
    public func check(for id: ServerID) -> CheckSettings? {
        service(id.service).map { $0.check(for: id.server) } ?? check(for: id.service)
    }

    public func check(for key: ServiceKey) -> CheckSettings? {
        if let listed = service(key) { return listed.check }
        return discover && defaults.canJudge(key) ? defaults : nil
    }

    /// Why discovery leaves this service alone although it would check it: its defaults' check cannot judge it (an
    /// HTTP or TCP check on a UDP or SCTP service). Nil when the service is checked, listed, or not discovered.
    public func notChecked(_ key: ServiceKey) -> String? {
        guard discover, service(key) == nil, !defaults.canJudge(key) else { return nil }
        return defaults.whyNot(key)
    }
}

/// The per-server families /metrics may go without, the bulk of a large director's scrape: both kept by default.
public struct MetricsSettings: Hashable, Sendable {
    /// `drcheck_probe_duration_seconds`, a histogram of 16 series a real server.
    public var probeDurations = true
    /// The kernel's figures for each destination (`drcheck_ipvs_connections_*`, packets and bytes), 7 series a
    /// real server.
    public var ipvsCounters = true

    public init() {}
}

public enum SysctlPolicy: String, Hashable, Sendable, CaseIterable {
    case fix, check
}

public enum ArpConflictAction: String, Hashable, Sendable, CaseIterable {
    case report, drain
}

public enum ProbeMode: String, Hashable, Sendable, CaseIterable {
    case dr, rip
}

/// What a probe does: an HTTP(S) request, a TCP connect (or conversation), a UDP exchange, a DNS query, a gRPC
/// health check, or an external command.
public enum CheckType: String, Hashable, Sendable, CaseIterable {
    case http, tcp, exec, udp, dns, grpc

    /// HTTP and TCP checks speak TCP, UDP and DNS checks UDP (a DNS query over TCP: `CheckSettings.transport`):
    /// each judges services of its transport and fwmark services (whose destinations carry the port). A command can
    /// judge anything.
    public func canJudge(_ key: ServiceKey) -> Bool { Self.judges(key, over: transport) }

    /// The transport its probes use; nil for a command, which may use any.
    var transport: TransportProtocol? {
        switch self {
        case .http, .tcp, .grpc: .tcp
        case .udp, .dns: .udp
        case .exec: nil
        }
    }

    static func judges(_ key: ServiceKey, over transport: TransportProtocol?) -> Bool {
        guard let transport, case .virtual(_, let service) = key else { return true }
        return service == transport
    }
}

/// How a dns check's query travels.
public enum DNSTransport: String, Hashable, Sendable, CaseIterable {
    case udp, tcp
}

/// Everything about how one service's real servers are probed and weighted.
public struct CheckSettings: Hashable, Sendable {
    public var type = CheckType.http
    public var interval: Duration = .seconds(2)
    /// Each round moved by up to this percentage of the interval either way (0-25): pools and directors out of step.
    public var intervalJitter: UInt8 = 0
    /// The interval while a server is in doubt (failing but still up, passing but still down); nil: `interval`.
    public var fastInterval: Duration?
    /// The interval while a server is down; nil: `interval`.
    public var downInterval: Duration?
    /// Holds a server that keeps changing state drained (`flap_damping`); nil: off.
    public var flapDamping: FlapDamping?
    /// The whole probe: connect, request and response.
    public var timeout: Duration = .seconds(1)
    /// Consecutive successes for a down server to come back.
    public var rise = 2
    /// Consecutive failures for an up server to be drained.
    public var fall = 3
    public var mode = ProbeMode.dr
    public var path = "/"
    public var expectStatus = StatusRanges([200...399])
    /// Ramp a restored weight up over this long; zero restores at once.
    public var slowStart: Duration = .zero
    /// Never drain the last server of a service that still has weight.
    public var keepLast = true
    /// Destinations added to a watched service start down (a new one at weight 0 is brought in by its checks).
    public var alpha = false
    /// The Host header; nil means the VIP (DR) or the address probed.
    public var host: String?
    /// A regular expression (Swift Regex syntax) the body must match.
    public var expectBody: String?
    /// tcp: text written once connected (YAML's double-quoted escapes give `\r\n`); nil: nothing is sent. udp: the
    /// datagram sent (nil: an empty one).
    public var send: String?
    /// tcp, udp: bytes to send, given in hex (`send_hex`), for what a text cannot carry; nil: `send`'s text.
    public var sendHex: [UInt8]?
    /// tcp, udp: a regular expression the server's first bytes must match (a banner, or the answer to `send`); nil
    /// with `send`: any answer passes; nil without it (tcp): the connect alone decides.
    public var expect: String?
    /// udp: without a reply the server fails; false: it passes unless its host says nothing listens (ICMP port
    /// unreachable), keepalived's UDP_CHECK rule.
    public var requireReply = true
    /// dns: the question asked (the root by default) and what its answer must hold.
    public var queryName = "."
    public var queryType = DNSRecordType.soa
    public var expectRcode: [DNSRcode] = [.noError]
    /// dns: when not empty, the answer must hold one of these addresses (A or AAAA records).
    public var expectAddress: [IPAddress] = []
    /// dns: the query over UDP, or over TCP (its length first, on a connection as a tcp check's).
    public var dnsTransport = DNSTransport.udp
    /// grpc: the service asked about (grpc.health.v1.Health/Check); empty: the server as a whole.
    public var grpcService = ""
    /// http: the request's method.
    public var method = HTTPMethod.get
    /// http: extra request headers, "Name: value" each, in the order given.
    public var headers: [String] = []
    /// http: the response header in which a server tells its weight (`N%`, `drain`, `up`); nil: none.
    public var weightHeader: String?
    /// The health port when it differs from the service's (required for fwmark services).
    public var port: UInt16?
    public var scheme = ProbeScheme.http
    public var tlsVerify = true
    /// PEM file of the CAs that vouch for https servers' certificates; nil: the system's bundle. In `defaults` it
    /// serves every service whose check verifies a certificate.
    public var tlsCAFile: String?
    /// https: how long a server's TLS session is resumed by its next probes before a full handshake, which checks its
    /// certificate again (HAProxy resumes its checks' sessions); zero: every probe makes a full handshake.
    public var tlsResume: Duration = .zero
    /// exec: the command and its arguments, run without a shell; the first is an absolute path (resolved through
    /// PATH at load when written without a slash).
    public var command: [String] = []
    /// exec: an exit status of 2-255 passes and sets the weight to status - 2 (keepalived's misc_dynamic).
    public var dynamicWeight = false
    /// A command run, without a shell, on every state change of the service or its servers (empty: none).
    public var onChange: [String] = []

    public init() {}
}

public struct ServiceConfig: Hashable, Sendable {
    public var name: String?
    public var key: ServiceKey
    public var check: CheckSettings
    public var realServers: [RealServerConfig]
    /// A destination kept at weight 0 and raised to its weight (from `real_servers`, else 1) while no real server of
    /// the service is up; not probed.
    public var sorryServer: RealServerConfig?

    public init(
        name: String?, key: ServiceKey, check: CheckSettings, realServers: [RealServerConfig],
        sorryServer: RealServerConfig? = nil
    ) {
        self.name = name
        self.key = key
        self.check = check
        self.realServers = realServers
        self.sorryServer = sorryServer
    }

    /// Whether `server` is this service's sorry server.
    public func isSorryServer(_ server: Endpoint) -> Bool {
        guard let sorry = sorryServer else { return false }
        return sorry.address == server.address && (sorry.port ?? server.port) == server.port
    }

    /// The metrics and log name: `name`, else `VIP:port`, `fwmark:N` or `fwmark:N/ipv6`.
    public var label: String { name ?? key.label }

    /// The `real_servers` entry of this destination, if any (an entry with a port must match it exactly).
    public func realServer(_ server: Endpoint) -> RealServerConfig? {
        let exact = realServers.first { $0.address == server.address && $0.port == server.port }
        return exact ?? realServers.first { $0.address == server.address && $0.port == nil }
    }

    /// The weight the config names for this destination, if any.
    public func configuredWeight(for server: Endpoint) -> Int? { realServer(server)?.weight }

    /// The check of this destination: its entry's own, else the service's.
    public func check(for server: Endpoint) -> CheckSettings { realServer(server)?.check ?? check }
}

public struct RealServerConfig: Hashable, Sendable {
    public var address: IPAddress
    /// Nil matches the destination on any port.
    public var port: UInt16?
    /// The weight to restore; nil means the weight IPVS had when drcheck first saw the destination.
    public var weight: Int?
    /// Its own check (`real_servers[].check`, over the service's); nil: the service's.
    public var check: CheckSettings?

    public init(address: IPAddress, port: UInt16? = nil, weight: Int? = nil, check: CheckSettings? = nil) {
        self.address = address
        self.port = port
        self.weight = weight
        self.check = check
    }
}

extension CheckSettings {
    /// In words, for /status: `tcp port 8080 every 2s, fall 1`.
    public var summary: String {
        var text = type.rawValue
        if let port { text += " port \(port)" }
        if type == .http { text += " \(path)" }
        if type == .exec { text += " \(command.first ?? "")" }
        return text + " every \(PrometheusDuration.format(interval)), fall \(fall)"
    }

    /// The transport its probes use: its type's, but TCP for a DNS query over TCP.
    var transport: TransportProtocol? { type == .dns && dnsTransport == .tcp ? .tcp : type.transport }

    /// Whether this check can judge `key`: one of its transport, or a fwmark service.
    public func canJudge(_ key: ServiceKey) -> Bool { CheckType.judges(key, over: transport) }

    /// Why this check cannot judge `key` (see `canJudge`), as /status and the log say it.
    func whyNot(_ key: ServiceKey) -> String? {
        guard !canJudge(key), case .virtual(_, let service) = key else { return nil }
        let name = type == .dns && dnsTransport == .tcp ? "dns-over-tcp" : type.rawValue
        return "a \(service) service, which a\(type == .http ? "n" : "") \(name) check cannot judge "
            + "(list it with an exec check)"
    }
}

extension CheckSettings {
    /// The bytes a tcp or udp check sends: `send_hex`'s, else `send`'s text.
    public var payload: [UInt8] { sendHex ?? Array((send ?? "").utf8) }
}
