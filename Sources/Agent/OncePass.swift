import Primitives

/// One `--once` pass: the state file's counters, the kernel's weights and one probe result per server in; the changes
/// to make, a row per server and the exit status out. Slow start does not apply (a pass has no later steps).
public enum OncePass {
    public struct Row: Hashable, Sendable {
        public var id: ServerID
        /// The service's label: its name, else `VIP:port`, `fwmark:N` or `fwmark:N/ipv6`.
        public var service: String
        /// This pass's probe result; nil when the server was not probed.
        public var result: ProbeVerdict?
        public var up: Bool
        public var weightBefore: Int
        public var weightAfter: Int
        public var configured: Int?
        public var drainedBy: Drainer?
    }

    public struct Outcome: Hashable, Sendable {
        public var changes: [WeightChange]
        /// In dry-run mode (or with a live daemon), what would have changed.
        public var wouldChange: [WeightChange]
        public var transitions: [Transition]
        public var rows: [Row]
        /// The state to save (unless in dry-run mode).
        public var state: AgentState
        /// 0 when every checked server passed its probe and is up, else 1.
        public var exitStatus: Int32
    }

    /// `drains`: the drains file's drains; nil when it could not be read (the drains stay as the state has them).
    public static func run(
        config: Config, state: AgentState, kernel: [ServiceKey: [Endpoint: Int]], probes: [ServerID: ProbeVerdict],
        drains: [ServerID: DrainNote]? = nil, dryRun: Bool
    ) -> Outcome {
        var config = config
        config.defaults.slowStart = .zero
        for index in config.services.indices { config.services[index].check.slowStart = .zero }
        var reconciler = Reconciler(config: config, state: state, dryRun: dryRun)
        let before = kernel.reduce(into: [ServerID: Int]()) { weights, service in
            for (server, weight) in service.value { weights[ServerID(service: service.key, server: server)] = weight }
        }
        let events =
            (drains.map { [AgentEvent.drains($0)] } ?? [])
            + kernel.sorted { $0.key < $1.key }.map { AgentEvent.kernel($0.key, $0.value) }
            + probes.sorted { $0.key < $1.key }.map { AgentEvent.probed($0.key, $0.value) }
        let decision = reconciler.turn(events, at: .zero)
        let rows = reconciler.statuses.map { status in
            Row(
                id: status.id, service: config.label(of: status.id.service),
                result: probes[status.id], up: status.up, weightBefore: before[status.id] ?? status.weight,
                weightAfter: status.weight, configured: status.configured, drainedBy: status.drainedBy)
        }
        let healthy = rows.allSatisfy { $0.up && $0.result?.passed ?? true }
        return Outcome(
            changes: decision.changes, wouldChange: decision.wouldChange, transitions: decision.transitions,
            rows: rows, state: reconciler.state, exitStatus: healthy ? 0 : 1)
    }
}
