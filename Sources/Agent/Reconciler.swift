/// The decision core: probe results, kernel weights and config changes in, with a clock value; the weight changes to
/// make now and the transitions to log out. Pure: no I/O, no clock of its own.
///
/// The rules (DESIGN.md "Weights"):
/// - Health is rise/fall hysteresis over consecutive results. A destination first seen at a non-zero weight is up and
///   needs `fall` failures; one the state file says drcheck drained is down and needs `rise` successes.
/// - drcheck writes only on health changes: drain = 0, restore = the configured weight (from the config, else the
///   weight first seen). A healthy server is never rewritten, even when its weight differs from the configured one.
/// - `slow_start`: the restore writes weight 1 at once, then up to 10 equal steps (one per weight unit below that),
///   reaching the configured weight exactly `slow_start` later; `Decision.wakeAt` asks for the next step.
/// - `keep_last`: when every destination of a service would end at weight 0, the first (in address order) of those
///   being drained keeps its weight and the service is in panic until another one has weight again.
/// - A kernel weight that differs from the last one read or written was set by someone else: non-zero is adopted as
///   the configured weight (it wins over the config's until a reload names a different weight: the most recent act
///   wins); 0 is an administrative drain, never undone until someone sets a non-zero weight.
/// - A failed write (`writeFailed`) leaves the kernel's weight known and is decided again `retryDelay` later.
/// - `ProbeResult.inconclusive` (the director-fault guard) counts neither way.
/// - Dry run: the same decisions in `Decision.wouldChange`, none in `changes`; the daemon saves no state then.
/// - Save the state before making a decision's writes: a crash between the two then reads, at restart, as an
///   operator's change that converges, never as an administrative drain that would stick.
public struct Reconciler: Sendable {
    /// How long after a failed write it is retried.
    public static let retryDelay: Duration = .seconds(1)

    public private(set) var config: Config
    /// What the state file holds; save it when a decision says `stateChanged`. Written only when a value changes.
    public private(set) var state: AgentState {
        didSet { stateChanged = true }
    }
    /// Decide and log, but return no writes (`Decision.wouldChange` instead).
    public let dryRun: Bool
    /// Services whose last weighted server is unhealthy and kept (`keep_last`).
    public private(set) var panics: Set<ServiceKey> = []

    private var ramps: [ServerID: SlowStart] = [:]
    /// Dry run: the weights drcheck would have set, kept apart from the kernel's to tell others' changes.
    private var simulated: [ServerID: Int] = [:]
    private var retryAt: [ServerID: AgentTime] = [:]
    private var stateChanged = false
    /// The destinations of each service in `state`, so that a turn touches only the services it concerns.
    private var members: [ServiceKey: Set<Endpoint>] = [:]
    /// The first turn decides every service: the state may hold ramps a restart interrupted.
    private var firstTurn = true

    /// `state` as saved by an earlier run; the config may have changed since (weights it names, services it drops).
    public init(config: Config, state: AgentState, dryRun: Bool = false) {
        self.config = config
        self.state = state
        self.dryRun = dryRun
        for id in state.servers.keys { members[id.service, default: []].insert(id.server) }
        var unlogged: [Transition] = []
        reconfigure(config, into: &unlogged)
    }

    /// Applies the events of one loop turn in order, then decides.
    public mutating func turn(_ events: [AgentEvent], at now: AgentTime) -> Decision {
        var decision = Decision()
        // Only servers with news, or with a ramp step or retry that may be due, need deciding; and whole services
        // after a kernel read, a reload or a restart.
        var touched: [ServiceKey: Set<Endpoint>] = [:]
        var whole: Set<ServiceKey> = firstTurn ? Set(members.keys) : []
        firstTurn = false
        for id in Array(ramps.keys) + Array(retryAt.keys) { touched[id.service, default: []].insert(id.server) }
        for event in events {
            switch event {
            case .probed(let id, let result):
                record(result, for: id, into: &decision.transitions)
                touched[id.service, default: []].insert(id.server)
            case .kernel(let service, let destinations):
                observe(service, destinations, into: &decision.transitions)
                whole.insert(service)
            case .serviceGone(let service): forget { $0.service == service }
            case .configChanged(let config):
                reconfigure(config, into: &decision.transitions)
                whole.formUnion(members.keys)
            }
        }
        for service in whole.union(touched.keys).sorted() {
            decide(service, only: whole.contains(service) ? nil : touched[service], at: now, into: &decision)
        }
        panics.formIntersection(members.keys)
        let wakes = ramps.values.compactMap { $0.time(of: $0.step(at: now) + 1) } + retryAt.values
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
        retryAt[change.id] = now + Self.retryDelay
        return now + Self.retryDelay
    }

    /// The weight in the kernel as far as drcheck knows (in dry run: the weight it would have set).
    public func weight(of id: ServerID) -> Int? { simulated[id] ?? state.servers[id]?.weight }

    public var statuses: [ServerStatus] {
        state.servers.sorted { $0.key < $1.key }.map { id, record in
            ServerStatus(
                id: id, up: record.up, weight: record.weight, configured: record.configured,
                drainedBy: record.drainedBy,
                keptByKeepLast: panics.contains(id.service) && !record.up && (weight(of: id) ?? 0) > 0)
        }
    }

    // MARK: events

    private mutating func record(_ result: ProbeResult, for id: ServerID, into log: inout [Transition]) {
        guard var record = state.servers[id], let check = config.check(for: id.service) else { return }
        switch result {
        case .success:
            record.failures = 0
            record.successes = min(record.successes + 1, check.rise)
            if !record.up, record.successes >= check.rise {
                record.up = true
                record.downClass = nil
                log.append(Transition(service: id.service, server: id.server, kind: .up))
            }
        case .failure(let probeClass):
            record.successes = 0
            record.failures = min(record.failures + 1, check.fall)
            if record.up, record.failures >= check.fall {
                record.up = false
                record.downClass = probeClass
                log.append(Transition(service: id.service, server: id.server, kind: .down(probeClass)))
            }
        case .inconclusive:
            return
        }
        if record != state.servers[id] { state.servers[id] = record }
    }

    private mutating func observe(
        _ service: ServiceKey, _ destinations: [Endpoint: Int], into log: inout [Transition]
    ) {
        guard config.check(for: service) != nil else { return forget { $0.service == service } }
        for id in ids(of: service) where destinations[id.server] == nil {
            forget { $0 == id }
            log.append(Transition(service: service, server: id.server, kind: .disappeared))
        }
        for (server, weight) in destinations.sorted(by: { $0.key < $1.key }) {
            let id = ServerID(service: service, server: server)
            if let record = state.servers[id] {
                guard weight != record.weight else { continue }
                state.servers[id] = changedByOthers(record, to: weight, id: id, into: &log)
            } else {
                state.servers[id] = firstSight(id, weight: weight, into: &log)
                members[service, default: []].insert(server)
            }
        }
    }

    /// A destination seen for the first time: up at a non-zero weight, administratively drained at weight 0.
    private func firstSight(_ id: ServerID, weight: Int, into log: inout [Transition]) -> ServerRecord {
        var record = ServerRecord(weight: weight, up: weight > 0)
        record.configWeight = config.service(id.service)?.configuredWeight(for: id.server)
        record.configured = record.configWeight ?? (weight > 0 ? weight : nil)
        record.configuredFrom = record.configWeight != nil ? .config : (weight > 0 ? .firstSeen : nil)
        log.append(Transition(service: id.service, server: id.server, kind: .appeared(weight: weight)))
        if weight == 0 {
            record.drainedBy = .operator
            log.append(Transition(service: id.service, server: id.server, kind: .administrativeDrain))
        }
        return record
    }

    /// The kernel's weight is not the one drcheck last read or set: someone else changed it.
    private mutating func changedByOthers(
        _ old: ServerRecord, to weight: Int, id: ServerID, into log: inout [Transition]
    ) -> ServerRecord {
        var record = old
        ramps[id] = nil
        simulated[id] = nil
        retryAt[id] = nil
        record.ramping = false
        record.weight = weight
        if weight == 0 {
            record.drainedBy = .operator
            log.append(Transition(service: id.service, server: id.server, kind: .administrativeDrain))
        } else {
            record.drainedBy = nil
            record.configured = weight
            record.configuredFrom = .adopted
            log.append(Transition(service: id.service, server: id.server, kind: .adopted(weight: weight)))
        }
        return record
    }

    private mutating func reconfigure(_ new: Config, into log: inout [Transition]) {
        config = new
        for id in state.servers.keys.sorted() where new.check(for: id.service) == nil {
            forget { $0 == id }
            log.append(Transition(service: id.service, server: id.server, kind: .disappeared))
        }
        for (id, old) in state.servers {
            let named = new.service(id.service)?.configuredWeight(for: id.server)
            guard named != old.configWeight else { continue }
            var record = old
            record.configWeight = named
            if let named {
                record.configured = named
                record.configuredFrom = .config
            }
            state.servers[id] = record
        }
    }

    private func ids(of service: ServiceKey) -> [ServerID] {
        (members[service] ?? []).sorted().map { ServerID(service: service, server: $0) }
    }

    /// Unhealthy and still weighted (whether or not keep_last will let the drain happen).
    private func toBeDrained(_ id: ServerID) -> Bool {
        guard let record = state.servers[id] else { return false }
        return !record.up && record.drainedBy != .operator && (weight(of: id) ?? 0) > 0
    }

    private mutating func forget(where matches: (ServerID) -> Bool) {
        for id in state.servers.keys.filter(matches) {
            state.servers[id] = nil
            members[id.service]?.remove(id.server)
            if members[id.service]?.isEmpty == true { members[id.service] = nil }
            ramps[id] = nil
            simulated[id] = nil
            retryAt[id] = nil
        }
    }

    // MARK: decisions

    /// Decides `only` these servers of the service (all when nil). keep_last needs the whole service: when one of
    /// them is to be drained, or the service is in panic.
    private mutating func decide(
        _ service: ServiceKey, only: Set<Endpoint>?, at now: AgentTime, into decision: inout Decision
    ) {
        guard let check = config.check(for: service), let members = members[service] else { return }
        var ids = only.map { $0.filter(members.contains).sorted().map { ServerID(service: service, server: $0) } }
        if ids == nil || panics.contains(service) || (check.keepLast && ids?.contains(where: toBeDrained) == true) {
            ids = members.sorted().map { ServerID(service: service, server: $0) }
        }
        guard let ids else { return }
        var planned: [ServerID: (to: Int, reason: WeightChange.Reason)] = [:]
        for id in ids {
            if let due = retryAt[id] {
                guard now >= due else { continue }
                retryAt[id] = nil
            }
            planned[id] = plan(id, check: check, at: now)
            let ramping = ramps[id] != nil
            if state.servers[id]?.ramping != ramping { state.servers[id]?.ramping = ramping }
        }
        let held = check.keepLast ? lastWeighted(ids, planned: planned) : nil
        if let held { planned[held] = nil }
        if (held != nil) != panics.contains(service) {
            if held != nil { panics.insert(service) } else { panics.remove(service) }
            decision.transitions.append(
                Transition(service: service, server: nil, kind: held != nil ? .panic : .panicOver))
        }
        for id in ids {
            guard let (to, reason) = planned[id], var record = state.servers[id] else { continue }
            let change = WeightChange(id: id, from: weight(of: id) ?? record.weight, to: to, reason: reason)
            if dryRun {
                simulated[id] = to
                decision.wouldChange.append(change)
            } else {
                record.weight = to
                decision.changes.append(change)
            }
            record.drainedBy = to == 0 ? .drcheck : nil
            state.servers[id] = record
        }
    }

    /// The weight this server should have now, if it differs from its current one.
    private mutating func plan(_ id: ServerID, check: CheckSettings, at now: AgentTime) -> (
        to: Int, reason: WeightChange.Reason
    )? {
        guard let record = state.servers[id], record.drainedBy != .operator else { return nil }
        let current = weight(of: id) ?? record.weight
        guard record.up else {
            ramps[id] = nil
            return current > 0 ? (0, .drain(record.downClass ?? "unknown")) : nil
        }
        guard let target = record.configured else { return nil }
        if current == 0, ramps[id] == nil, SlowStart.applies(target: target, duration: check.slowStart) {
            ramps[id] = SlowStart(start: now, duration: check.slowStart, target: target)
        }
        if let ramp = ramps[id] {
            let step = ramp.step(at: now)
            if step == ramp.steps { ramps[id] = nil }
            let weight = ramp.weight(step: step)
            return weight != current ? (weight, .slowStart(step: step + 1, steps: ramp.steps + 1)) : nil
        }
        // Restore what drcheck drained, and finish a ramp a restart interrupted.
        return (current == 0 || record.ramping) && target != current ? (target, .restore) : nil
    }

    /// keep_last: when every server of the service would end at weight 0, the first one being drained keeps its weight.
    private func lastWeighted(_ ids: [ServerID], planned: [ServerID: (to: Int, reason: WeightChange.Reason)])
        -> ServerID?
    {
        let weighted = ids.contains { (planned[$0]?.to ?? weight(of: $0) ?? 0) > 0 }
        guard !weighted else { return nil }
        return ids.first { planned[$0]?.to == 0 && (weight(of: $0) ?? 0) > 0 }
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
