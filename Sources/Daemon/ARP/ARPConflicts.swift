import Agent
import EventLoop
import Exporter
import Logging
import Primitives

/// The ARP watch and the conflicts it finds: each conflict logged once when it starts and once when it ends, in the
/// metrics and /status, and with `on_arp_conflict: drain` failing the checks of the real server that answers ARP for
/// a VIP while it does.
final class ARPConflicts {
    private let loop: EventLoop
    private let log: Logger
    private let metrics: DrcheckMetrics
    private let conditions: ConditionLog
    private var watch: ARPWatch?
    private var current: Set<ARPConflict> = []
    /// `on_arp_conflict: drain`.
    private var drain = false

    init(loop: EventLoop, log: Logger, metrics: DrcheckMetrics, conditions: ConditionLog) {
        self.loop = loop
        self.log = log
        self.metrics = metrics
        self.conditions = conditions
    }

    /// (Re)starts the watch from the config: every `arp_watch` (none when zero), acting as `on_arp_conflict` says.
    func start(_ config: Config) {
        stop()
        drain = config.onArpConflict == .drain
        guard config.arpWatch > .zero else { return }
        watch = ARPWatch(
            loop: loop, period: config.arpWatch,
            onRound: { [weak self] in self?.round($0) },
            onError: { [weak self] in self?.conditions.raise("arp-watch", .warning, $0) })
    }

    func stop() {
        watch?.stop()
        watch = nil
    }

    /// The VIPs to watch and their real servers, from a discovery pass.
    func update(_ subjects: [ARPWatch.Subject]) { watch?.update(subjects) }

    /// One round's conflicts: each logged once when it starts and once when it ends.
    func round(_ conflicts: [ARPConflict]) {
        let now = Set(conflicts)
        for started in now.subtracting(current).sorted() {
            let action = drain ? "; draining it (on_arp_conflict: drain)" : ""
            log.error(
                "ARP conflict: \(started): set arp_ignore=1 and arp_announce=2 on its interface toward the clients\(action)"
            )
        }
        for ended in current.subtracting(now).sorted() {
            log.notice("ARP conflict over: \(ended.mac) no longer answers ARP for VIP \(ended.vip)")
        }
        current = now
        metrics.setARPConflicts(Set(labels))
    }

    /// With `on_arp_conflict: drain`, a real server answering ARP for a VIP fails its checks while it does.
    func verdict(for id: ServerID) -> ProbeVerdict? {
        guard drain, current.contains(where: { $0.realServer == id.server.address }) else { return nil }
        return .failure("arp_conflict")
    }

    /// The conflicts as metric labels (and in /status).
    var labels: [ARPConflictLabels] {
        current.sorted().map {
            ARPConflictLabels(vip: $0.vip.description, mac: $0.mac, realServer: $0.realServer?.description ?? "")
        }
    }
}
