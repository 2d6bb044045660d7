import Primitives

/// `flap_damping` in the decision core: penalties grow at each health change and decay; a suppressed server is
/// planned at weight 0 (`drain (flapping)`) while up, until its penalty decays below `reuse`. A drain by hand
/// (`drcheck drain`, or weight 0 set by someone else) comes first, as for any drain; keep_last still keeps a
/// service's last weighted server, suppressed or not (README.md "Flap damping").
extension Reconciler {
    /// Penalties this small are forgotten: far below any `reuse`.
    static let negligiblePenalty = 0.01

    /// A health change of `id` at `now`: its penalty grows, and a suppression may begin.
    mutating func flapped(_ id: ServerID, _ damping: FlapDamping?, at now: AgentTime, into log: inout [Transition]) {
        guard let damping else { return }
        var penalty = flaps[id] ?? FlapPenalty()
        if penalty.changed(at: now, damping), let end = penalty.reuseAt(damping) {
            log.append(
                Transition(
                    service: id.service, server: id.server,
                    kind: .flapping(penalty: penalty.value, suppress: damping.suppress, holds: end - now)))
        }
        flaps[id] = penalty
    }

    /// Ends the suppressions whose time has come, and forgets negligible penalties: the servers to decide again.
    mutating func settleFlaps(at now: AgentTime, into log: inout [Transition]) -> [ServerID] {
        guard !flaps.isEmpty else { return [] }
        var settled: [ServerID] = []
        for (id, var penalty) in flaps {
            guard let damping = config.check(for: id)?.flapDamping else {
                flaps[id] = nil
                settled.append(id)
                continue
            }
            if penalty.settle(at: now, damping) {
                flaps[id] = penalty
                settled.append(id)
                log.append(
                    Transition(
                        service: id.service, server: id.server,
                        kind: .settled(reuse: damping.reuse)))
            } else if !penalty.suppressed, penalty.value(at: now, damping) < Self.negligiblePenalty {
                flaps[id] = nil
            }
        }
        return settled
    }

    /// When the suppressions end, for the turn that ends them.
    var flapReuseTimes: [AgentTime] {
        flaps.compactMap { id, penalty in config.check(for: id)?.flapDamping.flatMap(penalty.reuseAt) }
    }

    /// Whether `id` is held drained for flapping.
    func suppressed(_ id: ServerID) -> Bool { flaps[id]?.suppressed == true }

    /// `id`'s penalty and its damping; nil when it has none.
    public func flap(of id: ServerID) -> (penalty: FlapPenalty, damping: FlapDamping)? {
        guard let penalty = flaps[id], let damping = config.check(for: id)?.flapDamping else { return nil }
        return (penalty, damping)
    }
}
