import Agent
import Exporter
import IPVS
import Logging
import Primitives
import Probe

/// The director's limits and faults on the daemon's loop (OPERATIONS.md "The director's limits"): at each discovery
/// pass the on-link real servers against the neighbour table (its thresholds raised with `dr_sysctls: fix`) and the
/// headroom metrics; each second the kernel's counters for a full neighbour or conntrack table
/// (`DirectorFaultWatch`), which name a probe's failure as the director's (`blame`).
final class DirectorFaults {
    private let host: DirectorHost
    private let conditions: ConditionLog
    private let metrics: DrcheckMetrics
    private(set) var watch = DirectorFaultWatch()
    private var onLink: Set<IPAddress> = []
    private var load = DirectorLoad()
    /// Neighbour entries of each family whose table is full, read each second while it is.
    private var entries: [AddressFamily: [IPAddress: UInt16]] = [:]

    init(host: DirectorHost, conditions: ConditionLog, metrics: DrcheckMetrics) {
        self.host = host
        self.conditions = conditions
        self.metrics = metrics
        metrics.setDirectorFaults([])
    }

    private var log: Logger { conditions.log }

    /// A discovery pass's view of the targets: the neighbour table against the on-link servers, once a line while
    /// it is too small for them, raised first where `policy` is `fix`; the headroom of conntrack and of the local
    /// ports (the descriptors' is process_open_fds against process_max_fds).
    func retargeted(_ targets: some Collection<ProbeTarget>, interfaces: DirectorInterfaces, policy: SysctlPolicy) {
        onLink = DirectorLoad.onLinkServers(targets, interfaces)
        load = DirectorLoad(targets: targets, onLinkServers: onLink, maxProbesInFlight: 0, configured: 0)
        var limits = host.limits()
        if policy == .fix, raiseNeighbourThresholds(limits) { limits = host.limits() }
        metrics.setNeighbours(load.onLink, limits: limits.neighbours.mapValues { ($0.soft, $0.hard) })
        for family in AddressFamily.allCases {
            let name = "neighbour-table \(family)"
            if let finding = limits.neighbourFinding(family, load), finding.severity == .exceeded {
                conditions.raise(
                    name, .error,
                    "the director's neighbour table is too small: \(finding.text); fix: \(finding.fix ?? "")")
            } else {
                conditions.clear(
                    name, "the director's neighbour table (\(family)) holds its on-link real servers again")
            }
        }
        var headroom: [String: (used: Int, limit: Int)] = [:]
        if let count = limits.conntrackCount, let max = limits.conntrackMax { headroom["conntrack"] = (count, max) }
        if let ports = limits.localPorts, load.drProbesPerSecondToOneVIP > 0 {
            headroom["local_ports"] = (load.localPortsHeld, ports.count)
        }
        metrics.setDirectorHeadroom(headroom)
    }

    /// Raises each family's thresholds that the on-link servers outgrow, or whose table is full; true when any was
    /// set.
    private func raiseNeighbourThresholds(_ limits: DirectorLimits) -> Bool {
        let full = Set(AddressFamily.allCases.filter { watch.isActive(.neighbourTableFull($0)) })
        var raised = false
        for fix in host.sysctls.raiseNeighbourThresholds(load, limits, full: full) {
            switch fix {
            case .set(let family, _, _):
                log.notice("\(fix.text)")
                conditions.clear("neighbour-fix \(family)", "the neighbour thresholds (\(family)) can be set again")
                raised = true
            case .failed(let family, _, _):
                conditions.raise("neighbour-fix \(family)", .error, fix.text)
            }
        }
        return raised
    }

    /// Reads the kernel's counters (each second): faults that begin or end are logged once, with the fix.
    func tick(policy: SysctlPolicy) {
        let reading = host.faultReading()
        let changes = watch.update(reading)
        for family in AddressFamily.allCases {
            entries[family] = watch.isActive(.neighbourTableFull(family)) ? host.neighbourEntries(family) ?? [:] : nil
        }
        for change in changes {
            switch change {
            case .began(let fault, let numbers):
                conditions.raise(
                    Self.condition(fault), .error, began(fault, numbers, conntrackCount: reading.conntrackCount))
                if case .neighbourTableFull = fault, policy == .fix, raiseNeighbourThresholds(host.limits()) {
                    log.notice("the neighbour table has room again: its servers are resolved as they are probed")
                }
            case .ended(let fault, let why):
                conditions.clear(Self.condition(fault), "the director's fault is over: \(Self.title(fault)) (\(why))")
            }
        }
        if !changes.isEmpty { metrics.setDirectorFaults(Set(watch.active.keys.map(\.reason))) }
    }

    /// The director's verdict on a failed probe of `server` while a fault lasts; nil: the failure is the server's.
    func blame(_ result: ProbeResult, server: IPAddress) -> ProbeVerdict? {
        guard !watch.active.isEmpty else { return nil }
        // dr_path: the DR-path probe got nothing while the RIP answered.
        let noAnswer =
            result.answer == .none && [.timeout, .connectError, .drPath].contains(result.probeClass)
        return watch.blame(
            noAnswer: noAnswer, family: server.family, resolved: onLink.contains(server) ? resolved(server) : nil)
    }

    /// The on-link `server` has a neighbour entry with its link-layer address, as last read (none read: no).
    private func resolved(_ server: IPAddress) -> Bool {
        entries[server.family]?[server].map(NeighbourTable.isResolved) ?? false
    }

    private static func condition(_ fault: DirectorFaultWatch.Fault) -> String { "director-fault \(fault)" }

    private static func title(_ fault: DirectorFaultWatch.Fault) -> String {
        switch fault {
        case .neighbourTableFull(let family): "its neighbour table (\(family)) is full"
        case .conntrackFull: "its conntrack table is full"
        }
    }

    /// The line that names a fault as the director's: the numbers, what it does to clients and servers, the fix.
    private func began(_ fault: DirectorFaultWatch.Fault, _ numbers: String, conntrackCount: Int?) -> String {
        switch fault {
        case .neighbourTableFull(let family):
            let family = family
            let unresolved = onLink.filter { $0.family == family && !resolved($0) }.count
            let fix = host.limits().neighbourFix(family, needed: load.onLink[family] ?? 0)
            return "the director's fault: \(Self.title(fault)) (\(numbers)); \(unresolved) of its "
                + "\(onLink.filter { $0.family == family }.count) on-link real server(s) have no resolved entry: "
                + "neither the probes nor IPVS's forwarding reach them, so they are drained as "
                + "neighbour_table_full, not for a fault of theirs; fix: \(fix)"
        case .conntrackFull:
            var limits = DirectorLimits()
            limits.conntrackCount = conntrackCount
            return "the director's fault: \(Self.title(fault)) (\(numbers)): new connections are dropped, clients' "
                + "and probes' alike; no server is judged by a probe that got no answer while it lasts; fix: "
                + "\(limits.conntrackFix(load)), or exempt the VIPs and the probes from conntrack (notrack)"
        }
    }
}
