import Agent
import Exporter
import IPVS
import Primitives
import Probe

/// How one real server of one service is probed.
struct ProbeTarget: Equatable {
    var id: ServerID
    var labels: ServerLabels
    /// `interval`, `fast_interval`, `down_interval`: how often it is probed at each pace.
    var intervals: CheckIntervals
    /// `interval_jitter`: each round moved by up to this percentage of the interval.
    var jitter: UInt8 = 0
    /// Failures in a row that drain the server (its check's `fall`); the director-fault guard asks as many.
    var fall: Int
    /// What the scheduler runs: through the DR path (VIP, probe mark, director source), to the RIP, or a command.
    var check: TargetCheck
    /// dr mode: the same request to the RIP, run when the DR probe fails to tell `dr_path` from a dead server.
    var ripCheck: NetworkCheck?
    var drPath: DRPath?
    /// A discovered service under the defaults' HTTP check (or the connect check that replaced it), whose results
    /// count only as `ServiceProtocols` reads them: a probe begun before the switch ends after it.
    var learnsProtocol = false

    /// The steady interval.
    var interval: Duration { intervals.steady }

    /// Probes the RIP instead of the DR path (no probe service for it).
    mutating func probeRIP() {
        if let ripCheck { check = .network(ripCheck) }
        ripCheck = nil
        drPath = nil
    }
}

/// What one target's probe runs: a libcurl check (HTTP or TCP connect) or an exec check's command.
enum TargetCheck: Equatable {
    case network(NetworkCheck)
    case command(CommandCheck)

    var timeout: Duration {
        switch self {
        case .network(let check): check.timeout
        case .command(let check): check.timeout
        }
    }
}

/// dr mode: the fwmark probe service that leads to the real server, and the director's interface toward it.
struct DRPath: Equatable {
    var mark: UInt32
    var server: IPAddress
    var interface: String

    /// The probe service's key: fwmark `mark` in the real server's family.
    var service: ServiceKey { .fwmark(mark, family: server.family) }
}

/// Why a destination cannot be probed as configured; logged once, and the destination is left alone.
struct TargetError: Error, CustomStringConvertible {
    var description: String
}

/// Builds probe targets from the config, the kernel's view of a destination and the director's interfaces.
struct TargetBuilder {
    var config: Config
    var interfaces: DirectorInterfaces
    /// dr mode was refused (`dr_sysctls: check` with sysctls to fix): every check falls back to the RIP.
    var drRefused: Bool
    /// Compiled body patterns, kept across builds by the daemon (a regular expression per target and pass was the
    /// bulk of a discovery pass's CPU with `expect_body` on thousands of servers).
    var patterns = BodyPatterns()
    /// Discovered services found to speak another protocol than HTTP (`ServiceProtocols`): checked by connecting.
    var connectOnly: Set<ServiceKey> = []

    /// Every destination of the snapshot as a target; `notes` says, per server, why one is probed otherwise than
    /// configured or not at all (then it has no target).
    func targets(
        for snapshot: KernelSnapshot, marks: inout ProbeMarks
    ) -> (targets: [ServerID: ProbeTarget], notes: [ServerID: String]) {
        var targets: [ServerID: ProbeTarget] = [:]
        var notes: [ServerID: String] = [:]
        // Sorted, so that probe marks are assigned in the same order every run.
        for (key, service) in snapshot.services.sorted(by: { $0.key < $1.key }) {
            let listed = config.service(key)
            // A sorry server is not probed: it serves only while every real server is down.
            for destination in service.destinations.sorted(by: { $0.endpoint < $1.endpoint })
            where listed?.isSorryServer(destination.endpoint) != true {
                let id = ServerID(service: key, server: destination.endpoint)
                do {
                    let (target, note) = try target(
                        id, service: service.kernel, destination: destination, marks: &marks)
                    targets[id] = target
                    notes[id] = note
                } catch {
                    notes[id] = "\(id): not probed: \(error)"
                }
            }
        }
        return (targets, notes)
    }

    /// The target, and a note to log when it is probed otherwise than configured.
    func target(
        _ id: ServerID, service: IPVS.Service, destination: Destination, marks: inout ProbeMarks
    ) throws(TargetError) -> (target: ProbeTarget, note: String?) {
        guard var settings = config.check(for: id) else { throw TargetError(description: "not checked") }
        let learnsProtocol = config.service(id.service) == nil && settings.type == .http
        if learnsProtocol, connectOnly.contains(id.service) { settings.type = .tcp }
        let label = config.label(of: id.service)
        let labels = ServerLabels(service: label, realServer: id.server.description)
        let vip = service.key.vip
        let port = settings.port ?? vip?.port ?? destination.port
        guard settings.type != .exec else {
            let values = Self.variables(
                id.service, server: id.server.address, label: label, port: settings.port ?? destination.port)
            let command = CommandCheck(
                argv: settings.command.map { CommandVariable.expand($0, values) }, environment: values,
                timeout: settings.timeout, dynamicWeight: settings.dynamicWeight)
            var target = ProbeTarget(
                id: id, labels: labels, intervals: settings.intervals, fall: settings.fall, check: .command(command))
            target.jitter = settings.intervalJitter
            return (target, nil)
        }
        let rip = try check(
            settings, address: destination.address, port: port,
            host: settings.host ?? vip?.address.description)
        var target = ProbeTarget(
            id: id, labels: labels, intervals: settings.intervals, fall: settings.fall, check: .network(rip),
            learnsProtocol: learnsProtocol)
        target.jitter = settings.intervalJitter
        // DR-path probes need a VIP to send to and a DR destination; others are probed at the RIP (README.md).
        guard settings.mode == .dr, !drRefused, destination.forwarding == .route, let vip else {
            return (target, nil)
        }
        guard let source = interfaces.local(toward: destination.address) else {
            return (
                target,
                "\(id): no director address on the network of \(destination.address), which a DR real server must "
                    + "share; probing the RIP instead"
            )
        }
        guard let mark = marks.mark(for: destination.address) else {
            return (target, "\(id): every mark of probe_marks is in use; probing the RIP instead")
        }
        target.check = .network(
            try check(
                settings, address: vip.address, port: port, host: settings.host, mark: mark,
                source: source.address))
        target.ripCheck = rip
        target.drPath = DRPath(mark: mark, server: destination.address, interface: source.interface)
        return (target, nil)
    }

    private func check(
        _ settings: CheckSettings, address: IPAddress, port: UInt16, host: String?, mark: UInt32? = nil,
        source: IPAddress? = nil
    ) throws(TargetError) -> NetworkCheck {
        // Only HTTP and gRPC ask by name: another check without a host is the same probe under any VIP.
        let web = settings.type == .http || settings.type == .grpc
        do {
            return try NetworkCheck(
                scheme: web ? settings.scheme : .tcp, address: address, port: port, host: web ? host : nil,
                path: settings.path, expectedStatus: settings.expectStatus,
                expectedBody: try
                    (settings.type == .http ? settings.expectBody : settings.type == .tcp ? settings.expect : nil).map {
                        pattern throws(BodyPattern.SyntaxError) in try patterns.pattern(pattern)
                    },
                timeout: settings.timeout, tlsVerify: settings.tlsVerify, tlsCAFile: settings.tlsCAFile, mark: mark,
                sourceAddress: source, tlsResume: settings.tlsResume,
                send: settings.type == .tcp ? settings.payload : [],
                datagram: try datagram(settings), grpcService: settings.type == .grpc ? settings.grpcService : nil,
                method: settings.type == .http ? settings.method : .get,
                headers: settings.type == .http ? settings.headers : [],
                weightHeader: settings.type == .http ? settings.weightHeader : nil)
        } catch let error as NetworkCheck.InvalidError {
            throw TargetError(description: error.description)
        } catch {
            throw TargetError(description: "\(error)")
        }
    }

    /// A udp or dns check's exchange; nil for the other types.
    private func datagram(_ settings: CheckSettings) throws(BodyPattern.SyntaxError) -> DatagramCheck? {
        switch settings.type {
        case .udp:
            return .udp(
                payload: settings.payload,
                expect: try settings.expect.map { pattern throws(BodyPattern.SyntaxError) in
                    try patterns.pattern(pattern)
                }, requireReply: settings.requireReply)
        case .dns:
            return .dns(
                DNSQuery(
                    name: settings.queryName, type: settings.queryType, expectRcodes: settings.expectRcode,
                    expectAddresses: settings.expectAddress, overTCP: settings.dnsTransport == .tcp))
        case .http, .tcp, .exec, .grpc:
            return nil
        }
    }
}

extension TargetBuilder {
    /// What an exec check's command (or a change hook) is told of its server (`CommandVariable`), by name.
    /// `server` and `port` are nil for an event of the service as a whole (a hook's): empty then.
    static func variables(
        _ service: ServiceKey, server: IPAddress?, label: String, port: UInt16?
    ) -> [String: String] {
        var mark = ""
        if case .fwmark(let value, _) = service { mark = String(value) }
        let vip = service.vip
        let values: [CommandVariable: String] = [
            .vip: vip?.address.description ?? "", .vport: vip.map { String($0.port) } ?? "",
            .rip: server?.description ?? "", .rport: port.map(String.init) ?? "", .service: label,
            .transport: service.transportName, .fwmark: mark,
        ]
        return Dictionary(uniqueKeysWithValues: values.map { ($0.key.rawValue, $0.value) })
    }
}

/// Body patterns compiled once per text.
final class BodyPatterns {
    private var compiled: [String: BodyPattern] = [:]

    func pattern(_ text: String) throws(BodyPattern.SyntaxError) -> BodyPattern {
        if let known = compiled[text] { return known }
        let pattern = try BodyPattern(text)
        compiled[text] = pattern
        return pattern
    }
}
