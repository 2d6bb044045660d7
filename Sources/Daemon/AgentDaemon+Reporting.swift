import Agent
import EventLoop
import Exporter
import FoundationEssentials
import Glibc
import Primitives

extension AgentDaemon {
    var endpoints: MetricsEndpoints {
        // The DrcheckMetrics form renders /metrics in slices between due probes.
        var endpoints = MetricsEndpoints(
            metrics: metrics, process: true,
            status: { [unowned self] in statusDocument() },
            ready: { [unowned self] in targets.ready })
        endpoints.verdicts = { [unowned self] in verdictsText() }
        return endpoints
    }

    /// This director's verdicts as its peers and the fleet read them (`PeerVerdicts`).
    func verdictsText() -> [UInt8] {
        PeerVerdicts.text(
            reconciler.state.servers.sorted { $0.key < $1.key }.map {
                (PeerVerdicts.Server(service: $0.key.service, server: $0.key.server), $0.value.up)
            })
    }

    /// The families /metrics carries, as the config's `metrics` says (at start and on each reload).
    func selectMetrics(_ settings: MetricsSettings) {
        metrics.probeDurations = settings.probeDurations
        metrics.ipvsCounters = settings.ipvsCounters
    }

    /// Sets the series of `servers` (of every server and service when nil) from the decision core's view.
    func publish(_ servers: Set<ServerID>?) {
        publisher.publish(
            servers, reconciler: reconciler, targets: targets.all, listed: snapshot.services.keys,
            config: running.config
        )
    }

    func serviceLabel(_ key: ServiceKey) -> String { running.config.label(of: key) }

    func statusDocument() -> StatusDocument {
        let records = reconciler.state.servers
        let (wall, monotonic) = (Date().timeIntervalSince1970, loop.now())
        let statuses = Dictionary(grouping: reconciler.statuses, by: \.id.service)
        let unchecked = snapshot.notChecked.sorted { $0.key < $1.key }.map { key, why in
            StatusDocument.Service(
                name: serviceLabel(key), address: key.label, protocol: key.transportName, panic: false,
                notChecked: why, realServers: [])
        }
        let checked = snapshot.services.keys.sorted().map { key in
            StatusDocument.Service(
                name: serviceLabel(key), address: key.label, protocol: key.transportName,
                panic: reconciler.panics.contains(key), checkedByConnecting: verdicts.connectOnlyNote(key),
                realServers: (statuses[key] ?? []).map { status in
                    let probe = verdicts.lastProbe[status.id]
                    let destination = snapshot.destination(status.id)
                    let connections = destination.map { (Int($0.activeConnections), Int($0.inactiveConnections)) }
                    let drain = records[status.id]?.maintenance.map {
                        StatusDocument.Drain(
                            reason: $0.reason, by: $0.by, at: $0.at, empty: connections.map { $0 == (0, 0) } ?? true)
                    }
                    let flap = reconciler.flap(of: status.id)
                    let suppressedUntil = flap.flatMap { $0.penalty.reuseAt($0.damping) }.map {
                        wall + ($0 - now()).seconds
                    }
                    return StatusDocument.RealServer(
                        address: status.id.server.description,
                        state: Self.healthState(
                            status, record: records[status.id], suppressed: suppressedUntil != nil,
                            fleetDown: reconciler.drainedByFleet(status.id)),
                        healthy: status.up, kernelWeight: destination.map { _ in status.weight },
                        configuredWeight: status.configured ?? 0, lastResult: probe?.result.probeClass.rawValue,
                        lastDetail: probe.flatMap { $0.result.detail.isEmpty ? nil : $0.result.detail },
                        latencySeconds: probe?.result.duration.seconds,
                        lastProbeAt: probe.map { wall - (monotonic - $0.at).seconds },
                        lastChangeAt: publisher.lastChange[status.id], activeConnections: connections?.0,
                        inactiveConnections: connections?.1, drain: drain,
                        ownCheck: running.config.service(key)?.realServer(status.id.server)?.check?.summary,
                        flapPenalty: flap.map { $0.penalty.value(at: now(), $0.damping) },
                        suppressedUntil: suppressedUntil, peerVerdicts: peers.verdicts(of: status.id),
                        fleetDown: fleet.agreement.down[status.id])
                })
        }
        var configFile: String?
        if case .file(let path) = running.loaded.source { configFile = path }
        return StatusDocument(
            agent: StatusDocument.Agent(
                version: DrcheckVersion.current, pid: getpid(), startedAt: startedAt,
                generatedAt: wall, configFile: configFile, configLoadedAt: running.loadedAt,
                lastReloadSucceeded: running.lastReloadSucceeded, dryRun: options.dryRun, ready: targets.ready,
                directorFault: verdicts.directorFault, arpConflicts: arp.labels,
                shadowDisagreements: options.dryRun
                    ? shadow.reported(config: running.config, lastProbe: verdicts.lastProbe) : nil),
            services: checked + unchecked)
    }

    /// `up`, `down`, `falling` (up, failing), `rising` (down, passing), `admin_drained`, `suppressed` (held
    /// drained for flapping), or `fleet_down` (up here, drained for a quorum of the fleet sees it failing).
    static func healthState(_ status: ServerStatus, record: ServerRecord?, suppressed: Bool, fleetDown: Bool = false)
        -> String
    {
        if status.drainedBy == .operator { return "admin_drained" }
        if suppressed { return "suppressed" }
        if fleetDown, status.up { return "fleet_down" }
        if status.up { return (record?.failures ?? 0) > 0 ? "falling" : "up" }
        return (record?.successes ?? 0) > 0 ? "rising" : "down"
    }
}

extension ServiceKey {
    var transportName: String {
        switch self {
        case .virtual(_, let transport): transport.description
        case .fwmark: "fwmark"
        }
    }
}
