import Agent
import EventLoop
import Exporter
import Primitives

/// What the daemon shows of the decision core's view: each server's and service's series (up, weight, panic, info),
/// the overload gauges, systemd's STATUS= line and when each server last changed. Each is set only when what it
/// shows changed where setting it costs. Counters of events (probes, IPVS calls, discounted probes) are recorded
/// where the event happens.
final class Publisher {
    let metrics: DrcheckMetrics
    let notifier: SystemdNotifier
    /// Where the decision core's time starts on the loop's clock.
    let origin: Monotonic
    /// When each server last changed state or weight (Unix time), for /status.
    private(set) var lastChange: [ServerID: Double] = [:]
    /// The services whose series are published, by label.
    private var services: Set<String> = []
    private var overloadShown: (Bool, Duration?) = (false, nil)
    /// The last STATUS= sent to systemd: sent again only when it changes.
    private var systemdStatus = ""

    init(metrics: DrcheckMetrics, notifier: SystemdNotifier, origin: Monotonic) {
        self.metrics = metrics
        self.notifier = notifier
        self.origin = origin
    }

    func changed(_ id: ServerID, at wall: Double) { lastChange[id] = wall }

    /// A server no longer probed: its series go.
    func remove(_ id: ServerID, labels: ServerLabels) {
        metrics.removeServer(labels)
        lastChange[id] = nil
    }

    /// Sets the series of `servers` (of every server and of the services `listed` when nil) from `reconciler`.
    func publish(
        _ servers: Set<ServerID>?, reconciler: Reconciler, targets: [ServerID: ProbeTarget],
        listed: some Collection<ServiceKey>, config: Config
    ) {
        func publish(_ status: ServerStatus?) {
            guard let status, let labels = targets[status.id]?.labels else { return }
            let flap = reconciler.flap(of: status.id).map {
                DecayingValue(value: $0.penalty.value, at: origin + $0.penalty.at, halfLife: $0.damping.halfLife)
            }
            metrics.updateServer(
                labels, up: status.up, weight: status.weight, configuredWeight: status.configured ?? 0,
                adminDrained: status.drainedBy == .operator, flapPenalty: flap)
        }
        if let servers {
            for id in servers { publish(reconciler.status(of: id)) }
            for key in Set(servers.map(\.service)) {
                metrics.setServicePanic(config.label(of: key), reconciler.panics.contains(key))
            }
            return
        }
        for status in reconciler.statuses { publish(status) }
        var shown: Set<String> = []
        for key in listed {
            let label = config.label(of: key)
            shown.insert(label)
            metrics.setServicePanic(label, reconciler.panics.contains(key))
            if let check = config.check(for: key) {
                metrics.setServiceInfo(
                    label, address: key.label, transport: key.transportName, check: check.type.rawValue)
            }
        }
        for gone in services.subtracting(shown) { metrics.removeService(gone) }
        services = shown
    }

    /// The overload gauges; asked after every probe, so set only when what they show changes.
    func show(_ overload: OverloadGuard) {
        let shown = (overload.overloaded, overload.last.achievedInterval)
        guard shown != overloadShown else { return }
        overloadShown = shown
        metrics.setOverload(shown.0, achievedInterval: shown.1)
    }

    /// Tells systemd the servers' tally when it changed.
    func tellSystemd(_ records: some Collection<Agent.ServerRecord>) {
        guard notifier.isActive else { return }
        let text = SystemdStatus.text(records)
        guard text != systemdStatus else { return }
        systemdStatus = text
        notifier.notify("STATUS=" + text)
    }
}
