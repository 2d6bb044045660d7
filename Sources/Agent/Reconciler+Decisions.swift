import Primitives

/// The weights each server should have now.
extension Reconciler {
    /// Decides `only` these servers of the service (all when nil). keep_last needs the whole service when the
    /// service is in panic, or when one of them is to be drained and no other server keeps a weight.
    mutating func decide(
        _ service: ServiceKey, only: Set<Endpoint>?, at now: AgentTime, into decision: inout Decision
    ) {
        guard let check = config.check(for: service) else { return }
        let members = members[service] ?? []
        let whole = only.map { needsWhole(service, only: $0, members: members, keepLast: check.keepLast) } ?? true
        let ids = (whole ? members : only?.intersection(members) ?? []).sorted().map {
            ServerID(service: service, server: $0)
        }
        decision.decided.formUnion(ids)
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
        // A sorry server, not keep_last, serves a service whose every real server is down.
        let held = check.keepLast && whole && sorry[service] == nil ? lastWeighted(ids, planned: planned) : nil
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
            record.drainedBy = reason == .maintenance ? .operator : to == 0 ? .drcheck : nil
            state.servers[id] = record
        }
        decideSorryServer(service, members: members, at: now, into: &decision)
    }

    /// The sorry server's weight: its configured one while no real server of the service is up, else 0.
    mutating func decideSorryServer(
        _ service: ServiceKey, members: Set<Endpoint>, at now: AgentTime, into decision: inout Decision
    ) {
        guard let (server, weight) = sorry[service], let wanted = config.service(service)?.sorryServer?.weight else {
            return
        }
        let id = ServerID(service: service, server: server)
        if let due = retryAt[id] {
            guard now >= due else { return }
            retryAt[id] = nil
        }
        let anyUp = members.contains { member in
            guard let record = state.servers[ServerID(service: service, server: member)] else { return false }
            return record.up && record.drainedBy != .operator
        }
        let target = anyUp ? 0 : wanted
        let current = simulated[id] ?? weight
        guard current != target else { return }
        let change = WeightChange(id: id, from: current, to: target, reason: .sorryServer)
        if dryRun {
            simulated[id] = target
            decision.wouldChange.append(change)
        } else {
            sorry[service]?.weight = target
            decision.changes.append(change)
        }
    }

    /// The weight this server should have now, if it differs from its current one.
    mutating func plan(_ id: ServerID, check: CheckSettings, at now: AgentTime) -> (
        to: Int, reason: WeightChange.Reason
    )? {
        guard let record = state.servers[id] else { return nil }
        let current = weight(of: id) ?? record.weight
        // `drcheck drain` holds the server at 0, whatever its checks say or anyone else set.
        if record.maintenance != nil {
            ramps[id] = nil
            return current > 0 ? (0, .maintenance) : nil
        }
        guard record.drainedBy != .operator else { return nil }
        let reconfigured = reweigh.remove(id) != nil
        let rereported = rereported.remove(id) != nil
        guard record.up else {
            ramps[id] = nil
            return current > 0 ? (0, .drain(record.downClass ?? "unknown")) : nil
        }
        guard !suppressed(id) else {
            ramps[id] = nil
            return current > 0 ? (0, .drain("flapping")) : nil
        }
        guard !drainedByFleet(id) else {
            ramps[id] = nil
            return current > 0 ? (0, .drain("fleet")) : nil
        }
        if fleetAwaited, current == 0 { return nil }
        guard let target = reported[id] ?? record.configured else { return nil }
        if reconfigured || rereported, ramps[id] == nil, current > 0, target != current {
            return (target, rereported ? .reported : .reconfigured)
        }
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
    func lastWeighted(_ ids: [ServerID], planned: [ServerID: (to: Int, reason: WeightChange.Reason)])
        -> ServerID?
    {
        let weighted = ids.contains { (planned[$0]?.to ?? weight(of: $0) ?? 0) > 0 }
        guard !weighted else { return nil }
        return ids.first { planned[$0]?.to == 0 && planned[$0]?.reason != .maintenance && (weight(of: $0) ?? 0) > 0 }
    }

    func ids(of service: ServiceKey) -> [ServerID] {
        (members[service] ?? []).sorted().map { ServerID(service: service, server: $0) }
    }

    /// keep_last must see the whole service when it is in panic, or when one of `only` is to be drained and no
    /// server outside them keeps a weight.
    func needsWhole(_ service: ServiceKey, only: Set<Endpoint>, members: Set<Endpoint>, keepLast: Bool) -> Bool {
        if panics.contains(service) { return true }
        guard keepLast, only.contains(where: { toBeDrained(ServerID(service: service, server: $0)) }) else {
            return false
        }
        return !members.contains { !only.contains($0) && keepsWeight(ServerID(service: service, server: $0)) }
    }

    /// Weighted and staying so (a server no event concerns keeps its weight unless it is to be drained).
    func keepsWeight(_ id: ServerID) -> Bool {
        (weight(of: id) ?? 0) > 0 && !toBeDrained(id) && state.servers[id]?.maintenance == nil
    }

    /// Still weighted, and unhealthy or reporting weight 0 (whether or not keep_last will let it reach 0).
    func toBeDrained(_ id: ServerID) -> Bool {
        guard let record = state.servers[id], record.drainedBy != .operator, (weight(of: id) ?? 0) > 0 else {
            return false
        }
        return !record.up || reported[id] == 0 || suppressed(id) || drainedByFleet(id)
    }
}
