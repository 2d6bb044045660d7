import Primitives

/// How each event changes what the reconciler knows.
extension Reconciler {
    mutating func record(_ result: ProbeVerdict, for id: ServerID, at now: AgentTime, into log: inout [Transition]) {
        guard var record = state.servers[id], let check = config.check(for: id) else { return }
        let up = record.up
        defer { if record.up != up { flapped(id, check.flapDamping, at: now, into: &log) } }
        switch result {
        case .success, .reported, .scaled:
            noteReported(result, for: id)
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

    /// A dynamic check's weight, or the share of the configured weight a server's header asks for, kept until the
    /// server says otherwise (exit 0, or no header: the configured weight again); a change is written at the next
    /// decision.
    mutating func noteReported(_ result: ProbeVerdict, for id: ServerID) {
        let weight: Int? =
            switch result {
            case .reported(let weight): weight
            case .scaled(let percent):
                state.servers[id]?.configured.map { WeightFeedback.scale($0, percent: percent) }
            default: nil
            }
        guard reported[id] != weight else { return }
        reported[id] = weight
        rereported.insert(id)
    }

    mutating func observe(
        _ service: ServiceKey, _ destinations: [Endpoint: Int], into log: inout [Transition]
    ) {
        guard config.check(for: service) != nil else { return forget { $0.service == service } }
        for id in ids(of: service) where destinations[id.server] == nil {
            vanish { $0 == id }
            log.append(Transition(service: service, server: id.server, kind: .disappeared))
        }
        // alpha: destinations added to a service drcheck already watches start down; at drcheck's first view of a
        // service its serving destinations keep their weight (its own start must not take a pool out).
        let alpha = config.check(for: service)?.alpha == true
        let known = members[service]?.isEmpty == false
        let listed = config.service(service)
        sorry[service] = nil
        for (server, weight) in destinations.sorted(by: { $0.key < $1.key }) {
            let id = ServerID(service: service, server: server)
            if listed?.isSorryServer(server) == true {
                sorry[service] = (server, weight)
                forget { $0 == id }
                continue
            }
            if let record = state.servers[id] {
                guard weight != record.weight else { continue }
                state.servers[id] = changedByOthers(record, to: weight, id: id, into: &log)
            } else {
                let start: ServerStart = alpha && (weight == 0 || known) ? .alpha : .asFound
                state.servers[id] = firstSight(id, weight: weight, start: start, into: &log)
                members[service, default: []].insert(server)
            }
        }
    }

    /// How a destination seen for the first time starts.
    enum ServerStart {
        /// Up at a non-zero weight, an administrative drain at weight 0.
        case asFound
        /// alpha: down until `rise` probes pass, then its configured weight (else 1); weight 0 is no drain by hand.
        case alpha
    }

    /// A destination seen for the first time (see `ServerStart`), unless drcheck drained it before it vanished: back
    /// at weight 0, it is still drcheck's drain.
    mutating func firstSight(_ id: ServerID, weight: Int, start: ServerStart = .asFound, into log: inout [Transition])
        -> ServerRecord
    {
        if let drained = vanished.removeValue(forKey: id), weight == 0 {
            log.append(Transition(service: id.service, server: id.server, kind: .appeared(weight: weight)))
            return drained
        }
        var record = ServerRecord(weight: weight, up: weight > 0 && start == .asFound)
        record.configWeight = config.service(id.service)?.configuredWeight(for: id.server)
        record.configured = record.configWeight ?? (weight > 0 ? weight : start == .alpha ? 1 : nil)
        record.configuredFrom = record.configWeight != nil ? .config : (record.configured != nil ? .firstSeen : nil)
        log.append(Transition(service: id.service, server: id.server, kind: .appeared(weight: weight)))
        if start == .alpha { record.downClass = "alpha" }
        if let note = drainNotes[id] {
            record.maintenance = note
            record.drainedBy = .operator
            log.append(Transition(service: id.service, server: id.server, kind: .maintenance(note)))
        } else if weight == 0, start == .asFound {
            record.drainedBy = .operator
            log.append(Transition(service: id.service, server: id.server, kind: .administrativeDrain))
        }
        return record
    }

    /// The kernel's weight is not the one drcheck last read or set: someone else changed it.
    mutating func changedByOthers(
        _ old: ServerRecord, to weight: Int, id: ServerID, into log: inout [Transition]
    ) -> ServerRecord {
        var record = old
        ramps[id] = nil
        simulated[id] = nil
        retryAt[id] = nil
        reweigh.remove(id)
        record.ramping = false
        record.weight = weight
        if weight == 0 {
            record.drainedBy = .operator
            // A drcheck drain's own 0 (set by the command itself) is that drain, already logged.
            if record.maintenance == nil {
                log.append(Transition(service: id.service, server: id.server, kind: .administrativeDrain))
            }
        } else {
            record.drainedBy = nil
            record.configured = weight
            record.configuredFrom = .adopted
            // An operator's weight on a server held for flapping ends the hold: the most recent act wins.
            flaps[id] = nil
            log.append(Transition(service: id.service, server: id.server, kind: .adopted(weight: weight)))
        }
        return record
    }

    /// The drains file's drains now: a server newly listed is held at 0 (by `plan`), one no longer listed goes back
    /// to its checks, down until `rise` probes pass. Returns the services concerned.
    mutating func applyDrains(_ notes: [ServerID: DrainNote], into log: inout [Transition]) -> Set<ServiceKey> {
        drainNotes = notes
        var touched: Set<ServiceKey> = []
        for (id, old) in state.servers.sorted(by: { $0.key < $1.key }) where old.maintenance != notes[id] {
            touched.insert(id.service)
            var record = old
            record.maintenance = notes[id]
            ramps[id] = nil
            if let note = notes[id] {
                record.drainedBy = .operator
                if old.maintenance == nil {
                    log.append(Transition(service: id.service, server: id.server, kind: .maintenance(note)))
                }
            } else {
                record.drainedBy = nil
                record.up = false
                record.downClass = "maintenance"
                record.successes = 0
                record.failures = 0
                log.append(Transition(service: id.service, server: id.server, kind: .handedBack))
            }
            state.servers[id] = record
        }
        return touched
    }

    mutating func reconfigure(_ new: Config, into log: inout [Transition]) {
        config = new
        vanished = vanished.filter { new.check(for: $0.key.service) != nil }
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
                if record.up, record.drainedBy == nil, record.weight > 0 { reweigh.insert(id) }
                // A ramp under way ends at the new weight.
                if let ramp = ramps[id] {
                    let applies = SlowStart.applies(target: named, duration: ramp.duration)
                    ramps[id] = applies ? SlowStart(start: ramp.start, duration: ramp.duration, target: named) : nil
                }
            }
            state.servers[id] = record
        }
    }

    /// Forgets servers the kernel no longer lists, remembering those drcheck drained: a table flushed and restored
    /// (ip_vs reloaded, ipvsadm-restore of rules saved meanwhile) brings them back at weight 0, and that is not an
    /// operator's drain.
    mutating func vanish(where matches: (ServerID) -> Bool) {
        for (id, record) in state.servers where matches(id) && record.drainedBy == .drcheck { vanished[id] = record }
        forget(where: matches)
    }

    mutating func forget(where matches: (ServerID) -> Bool) {
        for id in state.servers.keys.filter(matches) {
            state.servers[id] = nil
            members[id.service]?.remove(id.server)
            if members[id.service]?.isEmpty == true { members[id.service] = nil }
            ramps[id] = nil
            simulated[id] = nil
            retryAt[id] = nil
            reweigh.remove(id)
            reported[id] = nil
            rereported.remove(id)
        }
    }
}
