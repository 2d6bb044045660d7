import Primitives

/// The decision core: probe results, kernel weights and config changes in, with a clock value; the weight changes to
/// make now and the transitions to log out. Pure: no I/O, no clock of its own.
///
/// The rules (README.md "What drcheck does"):
/// - Health is rise/fall hysteresis over consecutive results. A destination first seen at a non-zero weight is up and
///   needs `fall` failures; one the state file says drcheck drained is down and needs `rise` successes.
/// - drcheck writes on health changes: drain = 0, restore = the configured weight (from the config, else the weight
///   first seen); and when the config names a new weight for a server (a reload, or a start with an edited config):
///   a healthy, weighted one gets it at once, as operators expect of a reload. Otherwise a healthy server is never
///   rewritten, even when its weight differs from the configured one (first sight, an operator's weight).
/// - `slow_start`: the restore writes weight 1 at once, then up to 10 equal steps (one per weight unit below that),
///   reaching the configured weight exactly `slow_start` later; `Decision.wakeAt` asks for the next step.
/// - `keep_last`: when every destination of a service would end at weight 0, the first (in address order) of those
///   being drained keeps its weight and the service is in panic until another one has weight again.
/// - A kernel weight that differs from the last one read or written was set by someone else: non-zero is adopted as
///   the configured weight (it wins over the config's until a reload names a different weight: the most recent act
///   wins); 0 is an administrative drain, never undone until someone sets a non-zero weight.
/// - A server drcheck drained that vanishes from the kernel (its service flushed, ip_vs unloaded) and comes back at
///   weight 0 is still drcheck's drain, restored after `rise`; back at a non-zero weight it is seen afresh.
/// - A failed write (`writeFailed`) leaves the kernel's weight known and is decided again `retryDelay` later.
/// - `ProbeVerdict.inconclusive` (the director-fault guard) counts neither way.
/// - Dry run: the same decisions in `Decision.wouldChange`, none in `changes`; the daemon saves no state then.
/// - Save the state before making a decision's writes: a crash between the two then reads, at restart, as an
///   operator's change that converges, never as an administrative drain that would stick.
public struct Reconciler: Sendable {
    /// How long after a failed write it is retried.
    public static let retryDelay: Duration = .seconds(1)

    public internal(set) var config: Config
    /// What the state file holds; save it when a decision says `stateChanged`. Written only when a value changes.
    public internal(set) var state: AgentState {
        didSet { stateChanged = true }
    }
    /// Decide and log, but return no writes (`Decision.wouldChange` instead).
    public let dryRun: Bool
    /// Services whose last weighted server is unhealthy and kept (`keep_last`).
    public internal(set) var panics: Set<ServiceKey> = []

    var ramps: [ServerID: SlowStart] = [:]
    /// Dry run: the weights drcheck would have set, kept apart from the kernel's to tell others' changes.
    var simulated: [ServerID: Int] = [:]
    var retryAt: [ServerID: AgentTime] = [:]
    /// Servers drcheck had drained when the kernel stopped listing them, until they come back.
    var vanished: [ServerID: ServerRecord] = [:]
    /// Healthy servers whose configured weight the config just changed: set at the next decision.
    var reweigh: Set<ServerID> = []
    /// The weights dynamic exec checks reported, which stand in for the configured weight while they last.
    var reported: [ServerID: Int] = [:]
    /// The servers a quorum of the other directors of the fleet sees failing, with how many do (`fleet`).
    var fleetDown: [ServerID: Int] = [:]
    /// Started with a fleet and not yet told what it agrees on: no server at weight 0 is restored meanwhile (one the
    /// fleet had drained before a restart would otherwise get its weight back for the moment it takes to read it).
    var fleetAwaited = false
    /// The flap penalties of servers under `flap_damping` that changed state (dropped once negligible).
    var flaps: [ServerID: FlapPenalty] = [:]
    /// Servers whose dynamic check reported a new weight (or the configured one again): set at the next decision.
    var rereported: Set<ServerID> = []
    /// The drains made with `drcheck drain`, as last read (also for servers not seen yet).
    var drainNotes: [ServerID: DrainNote] = [:]
    /// Each service's sorry server in the kernel, with its weight as last read or written (not a member: not probed,
    /// not in the state).
    var sorry: [ServiceKey: (server: Endpoint, weight: Int)] = [:]
    var stateChanged = false
    /// The destinations of each service in `state`, so that a turn touches only the services it concerns.
    var members: [ServiceKey: Set<Endpoint>] = [:]
    /// The first turn decides every service: the state may hold ramps a restart interrupted.
    var firstTurn = true

    /// `state` as saved by an earlier run; the config may have changed since (weights it names, services it drops).
    /// `awaitsFleet`: the daemon reads the config's fleet, and holds restores until its first `.fleet` event.
    public init(config: Config, state: AgentState, dryRun: Bool = false, awaitsFleet: Bool = false) {
        self.config = config
        self.state = state
        self.dryRun = dryRun
        fleetAwaited = awaitsFleet && config.fleet != nil
        for id in state.servers.keys { members[id.service, default: []].insert(id.server) }
        var unlogged: [Transition] = []
        reconfigure(config, into: &unlogged)
        stateChanged = self.state != state
    }

    /// Applies the events of one loop turn in order, then decides.
    public mutating func turn(_ events: [AgentEvent], at now: AgentTime) -> Decision {
        var decision = Decision()
        // Only servers with news, or with a ramp step or retry that may be due, need deciding; and whole services
        // after a kernel read, a reload or a restart.
        var touched: [ServiceKey: Set<Endpoint>] = [:]
        var whole: Set<ServiceKey> = firstTurn ? Set(members.keys) : []
        firstTurn = false
        for id in Array(ramps.keys) + Array(retryAt.keys) + settleFlaps(at: now, into: &decision.transitions) {
            touched[id.service, default: []].insert(id.server)
        }
        for event in events {
            switch event {
            case .probed(let id, let result):
                record(result, for: id, at: now, into: &decision.transitions)
                touched[id.service, default: []].insert(id.server)
            case .kernel(let service, let destinations):
                observe(service, destinations, into: &decision.transitions)
                whole.insert(service)
            case .serviceGone(let service): vanish { $0.service == service }
            case .drains(let notes): whole.formUnion(applyDrains(notes, into: &decision.transitions))
            case .fleet(let down):
                for id in agree(down, into: &decision.transitions) {
                    touched[id.service, default: []].insert(id.server)
                }
            case .configChanged(let config):
                reconfigure(config, into: &decision.transitions)
                whole.formUnion(members.keys)
            }
        }
        for service in whole.union(touched.keys).sorted() {
            decide(service, only: whole.contains(service) ? nil : touched[service], at: now, into: &decision)
        }
        panics.formIntersection(members.keys)
        let wakes = ramps.values.compactMap { $0.time(of: $0.step(at: now) + 1) } + retryAt.values + flapReuseTimes
        decision.wakeAt = wakes.min()
        decision.stateChanged = stateChanged
        stateChanged = false
        return decision
    }

    /// The daemon could not make `change`: the kernel keeps its old weight and the change is retried at the returned
    /// time (call `turn` then).
    public mutating func writeFailed(_ change: WeightChange, at now: AgentTime) -> AgentTime {
        if state.servers[change.id]?.weight == change.to {
            state.servers[change.id]?.weight = change.from
        }
        // A health change is decided again from the record; a reload's new weight only from `reweigh`.
        if change.reason == .reconfigured { reweigh.insert(change.id) }
        if change.reason == .reported { rereported.insert(change.id) }
        if change.reason == .sorryServer { sorry[change.id.service]?.weight = change.from }
        retryAt[change.id] = now + Self.retryDelay
        return now + Self.retryDelay
    }

    /// Whether `result` would leave the server's health where it is and bring it no closer to a change: a success
    /// while up with no failure counted, a failure while down with no success counted, or an inconclusive one (and
    /// any result for a server not known). The daemon checks that a DR probe took its path only when it would not.
    public func confirms(_ result: ProbeVerdict, for id: ServerID) -> Bool {
        guard let record = state.servers[id] else { return true }
        switch result {
        case .success, .reported, .scaled: return record.up && record.failures == 0
        case .failure: return !record.up && record.successes == 0
        case .inconclusive: return true
        }
    }

    /// The weight in the kernel as far as drcheck knows (in dry run: the weight it would have set).
    public func weight(of id: ServerID) -> Int? { simulated[id] ?? state.servers[id]?.weight }

    public var statuses: [ServerStatus] {
        state.servers.keys.sorted().compactMap(status(of:))
    }

    /// One server's status, without building and sorting them all (the daemon publishes what a turn decided).
    public func status(of id: ServerID) -> ServerStatus? {
        guard let record = state.servers[id] else { return nil }
        return ServerStatus(
            id: id, up: record.up, weight: record.weight, configured: record.configured,
            drainedBy: record.drainedBy,
            keptByKeepLast: panics.contains(id.service) && !record.up && (weight(of: id) ?? 0) > 0)
    }
}

/// One destination as the daemon reports it (metrics, `/status`, the `--once` table).
public struct ServerStatus: Hashable, Sendable {
    public var id: ServerID
    public var up: Bool
    /// The weight in the kernel as far as drcheck knows (in dry run too: what it would set is not in the kernel).
    public var weight: Int
    public var configured: Int?
    public var drainedBy: Drainer?
    /// Unhealthy but kept at its weight because it is the service's last (the service is in panic).
    public var keptByKeepLast: Bool
}
